"""The exception queue: severity, owner, SLA and resolution trail."""
