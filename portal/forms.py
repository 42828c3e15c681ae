"""Small forms shared by many pages."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A POST that carries nothing but its CSRF token (buttons that change state)."""
