"""Run the Plex Media Server simulator on its own: python -m library.simulators.pms --port 32400."""

from library.simulators.common import command_line, serve_until_signalled

from .app import PMSSimulator
from .sample import SAMPLE_TOKEN


def main(argv: list[str] | None = None) -> None:
    """Serve the sample server until SIGINT or SIGTERM; print its line, then the control port's."""
    parser = command_line("python -m library.simulators.pms", __doc__)
    parser.add_argument("--control-port", type=int, default=0, help="the control port")
    parser.add_argument("--token", default=SAMPLE_TOKEN, help="the token requests must carry")
    parser.add_argument("--films", type=int, default=0, help="generated films to add to Films")
    args = parser.parse_args(argv)

    async def start() -> tuple[PMSSimulator, str]:
        sim = PMSSimulator(token=args.token, films=args.films)
        url = await sim.start(args.host, args.port, control_port=args.control_port)
        return sim, (
            f"Plex Media Server simulator on {url}\n"
            f"Plex Media Server simulator control on {sim.control_url}\n"
        )

    serve_until_signalled(start)


if __name__ == "__main__":
    main()
