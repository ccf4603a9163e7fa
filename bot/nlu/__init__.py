"""Language pieces of our own: the blank English spaCy pipeline Rasa loads, red-flag matching."""
