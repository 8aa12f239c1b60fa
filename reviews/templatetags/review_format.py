from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.873 -> '87%'."""
    if value is None:
        return "–"
    return f"{value * 100:.0f}%"
