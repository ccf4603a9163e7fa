"""Reading patient text, free of Rasa: the learned triage of a message (emergency, urgent,
crisis, poisoning, personal decision, calm). Word lists and training messages are data files
beside the code; the sentence encoder is passed in, so nothing here loads a model itself."""
