"""The Telegram channel (python-telegram-bot 22): thin handlers around the engine."""
