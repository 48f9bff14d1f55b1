"""The network explorer: a read API over JSON-RPC (`read`), its event history (`history`) and
the web page that shows both (`web`, `static/`)."""
