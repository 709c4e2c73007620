"""The map and timeline panes: where and when items were captured, linked to the browser."""
