"""What the Content-Security-Policy forbids, found in a page: inline scripts, event
handler attributes, style attributes and elements, javascript: URLs."""

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []  # the text of inline <script> elements
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        line = self.getpos()[0]
        if tag == "script" and not names.get("src"):
            self.problems.append(f"line {line}: inline <script>")
            self._in_inline_script = True
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"line {line}: style attribute on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"line {line}: event handler {name}= on <{tag}>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}= on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.scripts.append(data)


def page_problems(html: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
