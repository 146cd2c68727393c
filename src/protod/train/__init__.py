"""Training: advantage estimators and losses (pure tensor functions), and the trainer that wires them to models."""
