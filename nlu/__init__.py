"""Custom Rasa NLU components for Vietnamese (they run inside the Rasa process, in the rasa env)."""
