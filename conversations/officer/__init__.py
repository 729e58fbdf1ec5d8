"""The officer's conversation: the questionnaire (score, results, evidence, the criteria's
notes), the menu, review and edits, the signer and the submission; one event's context."""
