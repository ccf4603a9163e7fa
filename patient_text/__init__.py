"""Reading patient text, free of Rasa: the learned triage of a message (emergency, urgent,
crisis, poisoning, personal decision, calm), decision patterns, the one spelling tolerance
(``spelling``) and the one drug-name matcher (``drugs``). Word lists, patterns and training
messages are data files beside the code (``data/``, ``triage_corpus/``); the sentence encoder is
passed in, so nothing here loads a model itself."""
