"""Journal builder (pure): coded expenses in, balanced journal entries out."""
