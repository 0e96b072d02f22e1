"""Filters of the PDF templates."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value) -> str:
    """``value`` as a CSS string literal (quotes included), for the ``content`` of the
    running header and footer: backslashes, quotes and line breaks escaped, nothing else
    can close the string or the rule."""
    text = str(value)
    escaped = "".join(
        f"\\{ord(char):x} " if char in '\\"\n\r\f<>' or ord(char) < 32 else char for char in text
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 (every closing character is escaped)
