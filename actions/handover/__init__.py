"""Human handover: tickets (Zendesk or local), a durable outbox, and agent replies back to chat."""
