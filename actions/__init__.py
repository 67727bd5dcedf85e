"""Custom actions of the 1022 assistant, served by rasa-sdk's action server (app env).

One module per action family: `procedures` (catalog answers, clarification, details),
`handoff` (offering and handing over to a human), `tickets` (ticket status). Their logic lives in
pure modules (`answers`, `conversation`) that the actions only adapt to Rasa.
"""
