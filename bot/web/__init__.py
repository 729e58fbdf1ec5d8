"""The web app beside the bot: webhooks, signed links, the upload and download pages."""
