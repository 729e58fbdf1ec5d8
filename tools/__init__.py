"""Developer tools that are not part of the bot: the specimen documents shown in docs/
(``make docs``) and the sample answers they and the tests are written from."""
