"""The story core: a story file's model, its header fields, parsing, release times, templates.

Nothing here touches the network, the state file or the command line.

- :mod:`.model` — :class:`~.model.Story`, ``Cut``, ``ParseWarning``, word counts;
- :mod:`.fields` — the table of known header fields and their aliases;
- :mod:`.parse` — bytes → ``Story`` (text, Markdown, HTML);
- :mod:`.template` — ``{field}`` templates for subjects, headers and tags;
- :mod:`.when` — release times (``Release: friday 9pm``);
- :mod:`.post` — the shape of a rendered entry and of a site's receipt.
"""
