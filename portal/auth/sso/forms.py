from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from ...forms import email_field


class CompanySignInForm(FlaskForm):
    """The company-account step of the sign-in page: the e-mail address chooses the provider."""

    email = email_field(_l("Work e-mail"), _l("Enter your e-mail address."))
    submit = SubmitField(_l("Sign in with your company account"))
