"""massage-cost-bot: the chat channels, interview, store and configuration."""
