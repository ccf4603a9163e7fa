"""The pharmacy bot's own code outside Rasa's data: web app, tickets, CLI, NLU pieces.

Sub-packages:
- ``bot.nlu``: language pieces of our own (the blank spaCy pipeline, red-flag matching);
- ``bot.tickets``: tickets filed for a human consultant (models, migrations, repository,
  outbox, notifications) and the filing service the Rasa custom action calls;
- ``bot.web``: the Sanic web app (consultant inbox, JSON API, health check);
- ``bot.cli``: ``python -m bot``.

Nothing here answers medical questions, and nothing happens at import time.
"""
