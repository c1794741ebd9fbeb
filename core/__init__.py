"""The ground floor: errors, settings, progress events and safe file writing. Imports nothing of parindex's own."""
