"""Custom Rasa dialogue policies of the 1022 assistant (they run in the Rasa process, rasa env)."""
