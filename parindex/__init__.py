"""parindex: the PAR Index pipeline, from submitted self-assessments to the published ranking decision."""

__version__ = "0.1.0"
