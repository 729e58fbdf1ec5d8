"""The appraiser's conversation: the units of the period, a unit's card, returning it with a
reason, scoring it item by item, the rating and its confirmation."""
