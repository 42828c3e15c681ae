from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from ..forms import email_field, new_password_field, repeat_password_field


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))
    submit = SubmitField(_l("Sign in"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Change"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = new_password_field()
    confirm = repeat_password_field("new")
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    email = email_field(_l("E-mail"), _l("Enter your e-mail address."))
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = repeat_password_field("password")
    submit = SubmitField(_l("Save the password"))
