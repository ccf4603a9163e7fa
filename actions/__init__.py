"""Custom actions (rasa-sdk): thin glue between the dialogue, knowledge/ and bot/tickets.

Actions read slots and entities, ask the knowledge base, and send wording from the domain.
Nothing here holds a medical fact or a sentence for patients.
"""
