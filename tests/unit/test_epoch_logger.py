"""The training progress lines: about ten per fit, and one at least every half minute while epochs go on, so a
fit of slow epochs (or one that stops early, long before the next tenth) never looks hung."""

from twinforge.generators.base import EpochReport
from twinforge.generators.training import epoch_logger


class Lines:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message.split(":")[0])


def test_a_line_per_tenth_of_the_epochs_and_one_at_least_every_half_minute():
    now = [0.0]
    log = Lines()
    report = epoch_logger(log, clock=lambda: now[0])
    for epoch in range(1, 201):
        now[0] += 1.0 if epoch <= 100 else 12.0  # quick epochs, then slow ones
        report(EpochReport(epoch=epoch, epochs=200, losses={"loss": 1.0 / epoch}))
    quick = [line for line in log.lines if int(line.split()[1].split("/")[0]) <= 100]
    assert quick == ["epoch 1/200", *(f"epoch {e}/200" for e in range(20, 101, 20))]  # every 20th: 1 s apart
    slow = [int(line.split()[1].split("/")[0]) for line in log.lines if line not in quick]
    assert slow[-1] == 200 and all(b - a <= 3 for a, b in zip([100, *slow], slow))  # 36 s at most between lines
