import gzip

from pythia.data import bundled
from pythia.data.synth_binary import BinarySpec, generate, write_binary_market
from pythia.model.events import Resolution, Trade
from pythia.venues import read_capture


def test_same_seed_same_bytes_and_the_bundled_file_is_seed_1(tmp_path):
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    for path in (first, second):
        write_binary_market(path, BinarySpec(seed=1))
    assert first.read_bytes() == second.read_bytes()
    bundled_file = bundled("synthetic", "binary_market.jsonl.gz")
    assert gzip.decompress(first.read_bytes()) == gzip.decompress(bundled_file.read_bytes())


def test_the_stream_replays_as_a_bounded_binary_market_with_trades_and_a_resolution(tmp_path):
    path = tmp_path / "m.jsonl"
    truth = write_binary_market(path, BinarySpec(seed=4, duration_s=120))
    events = list(read_capture("polymarket", [path]).events())
    trades = [e for e in events if isinstance(e, Trade)]
    assert len(trades) == truth["trades"] > 0
    assert all(e.aggressor is not None for e in trades)  # real trade signs
    resolution = [e for e in events if isinstance(e, Resolution)]
    winner = truth["yes_id"] if truth["yes_wins"] else truth["no_id"]
    assert resolution and resolution[0].winners == (winner,)
    lines, _ = generate(BinarySpec(seed=4, duration_s=120))
    assert all(message.get("synthetic") for _, message in lines)
