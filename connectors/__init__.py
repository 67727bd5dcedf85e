"""Rasa channels of the 1022 assistant (they run inside the Rasa process, in the rasa env)."""
