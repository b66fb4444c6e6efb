"""MkDocs hooks: the zoo pages come from the entries' records, as the zoo's README does.

Each entry's card becomes ``zoo/NAME/index.md`` with its ``samples.png``; ``zoo.md``'s
``<!-- zoo:table -->`` and ``<!-- zoo:gallery -->`` markers become the zoo table
(``kgan.zoo.cards.zoo_table``, what ``zoo/README.md`` holds) and a grid of every
entry's samples. Nothing here is written by hand, so the site cannot drift from the zoo.
"""

import re
from pathlib import Path

from mkdocs.structure.files import File

from kgan_launcher import keras_deferred

with keras_deferred():  # the zoo's read side needs no Keras
    from kgan.zoo import ZooEntry, cards, catalog

ROOT = Path(__file__).resolve().parents[1]


def _entries():
    return [ZooEntry.read(name) for name in catalog.list_zoo()]


def on_files(files, config):
    for entry in _entries():
        files.append(File.generated(config, f"zoo/{entry.name}/index.md", content=entry.card))
        samples = entry.directory / catalog.SAMPLES_FILE
        files.append(
            File.generated(config, f"zoo/{entry.name}/samples.png", abs_src_path=str(samples))
        )
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri != "zoo.md":
        return markdown
    entries = _entries()
    table = re.sub(r"\]\(([\w.-]+)/README\.md\)", r"](zoo/\1/index.md)", cards.zoo_table(entries))
    gallery = "\n".join(
        f"- [{entry.name}](zoo/{entry.name}/index.md): {entry.architecture} on {entry.dataset}\n\n"
        f"  ![{entry.name}](zoo/{entry.name}/samples.png){{ width=300 }}\n"
        for entry in entries
    )
    return markdown.replace("<!-- zoo:table -->", table).replace("<!-- zoo:gallery -->", gallery)
