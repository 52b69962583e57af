"""Run the plex.tv simulator on its own: python -m library.simulators.plextv --port 8765."""

from library.simulators.common import command_line, serve_until_signalled

from .app import PlexTVSimulator


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM; print one line per host, plex.tv's first."""
    parser = command_line("python -m library.simulators.plextv", __doc__)
    parser.add_argument("--discover-port", type=int, default=0, help="the discover host's port")
    parser.add_argument("--metadata-port", type=int, default=0, help="the metadata host's port")
    parser.add_argument("--pin-expires-in", type=float, default=900, metavar="S", help="pin life")
    args = parser.parse_args(argv)

    async def start() -> tuple[PlexTVSimulator, str]:
        sim = PlexTVSimulator(pin_expires_in=args.pin_expires_in)
        await sim.start(
            args.host, args.port, discover_port=args.discover_port, metadata_port=args.metadata_port
        )
        urls = {"plex.tv": sim.url, "discover": sim.discover_url, "metadata": sim.metadata_url}
        return sim, "".join(f"{name} simulator on {url}\n" for name, url in urls.items())

    serve_until_signalled(start)


if __name__ == "__main__":
    main()
