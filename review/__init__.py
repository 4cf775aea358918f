"""The people domain: what people do at a review (commentary today; roles, actions, sign-off next)."""
