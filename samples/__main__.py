"""`python -m samples TARGET`: write a sample inbox under TARGET."""

from __future__ import annotations

from samples.generate import main

main()
