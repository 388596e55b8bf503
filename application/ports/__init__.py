"""What the application needs from infrastructure, as Protocols the composition root fills
in: one module per aggregate's read model, and one per shared concern."""
