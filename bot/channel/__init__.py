"""What every channel (Telegram, Zalo, console) shares: keeping a chat's updates in order, the
inbox after a crash, long texts cut for the channel, accepting evidence files, and the links
offered where a chat cannot carry a file."""
