"""Multiple selects rendered by the shared field macro opt in to the searchable picker."""

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice


class Targeting(FlaskForm):
    tiers = SelectMultipleField(
        "Tiers", choices=[SelectChoice("gold", "Gold"), SelectChoice("silver", "Silver")]
    )
    kind = SelectField("Kind", choices=[SelectChoice("a", "A")])


def test_field_macro_marks_multiple_selects_searchable_and_leaves_others_alone(app):
    template = '{% from "macros.html" import field %}{{ field(form.tiers) }}{{ field(form.kind) }}'
    with app.test_request_context():
        html = render_template_string(template, form=Targeting(meta={"csrf": False}))
    tiers, kind = html.split('id="kind"')
    assert "data-searchable" in tiers and "multiple" in tiers
    assert "data-searchable" not in kind


def test_the_loader_is_on_every_page_and_its_library_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<script src="/static/js/multiselect.js"' in page
    for attribute in ("data-library", "data-stylesheet"):
        url = page.split(f'{attribute}="')[1].split('"')[0]
        with client.get(url) as response:
            assert response.status_code == 200, url
