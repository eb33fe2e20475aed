"""Reading a Dash component tree in a test: its strings, an element by id, a row's cells."""

from typing import Any


def texts(component: Any) -> list[str]:
    """Every string inside a Dash component tree, in document order."""
    if component is None:
        return []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [t for child in component for t in texts(child)]
    return texts(getattr(component, "children", None))


def by_id(component: Any, element: Any) -> Any:
    """The component with this id inside a tree (or a list of trees)."""
    if isinstance(component, list | tuple):
        return next((f for c in component if (f := by_id(c, element)) is not None), None)
    if getattr(component, "id", None) == element:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = by_id(child, element)
            if found is not None:
                return found
    return None


def cells(row: Any) -> list[str]:
    """The text of each cell of a table row."""
    return [" ".join(texts(cell)) for cell in row.children]
