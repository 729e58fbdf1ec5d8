"""Zalo Bot Platform (bot-api.zaloplatforms.com): the HTTP client and the update parser."""
