"""The sequence page's padding section as code: the reviews of the batch fed padded and packed."""

from __future__ import annotations

from ..maths.padding import PAD_ATOL
from .recipe import Section, fill

__all__ = ["PADDING_IMPORT", "padding_section"]

PADDING_IMPORT = "from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence"


def padding_section(bidirectional: bool) -> Section:
    """The padded and the packed run of the batch's reviews, each review alone as the ground
    truth, and the page's checks printed. Leaves ``lengths``, ``lstm_pad``,
    ``padded_output``, ``padded_h_n``, ``packed_output``, ``packed_h_n``."""
    return Section(
        "Padding and packing",
        "The reviews have different lengths, and the batch pads them at the end. Fed as it "
        "is, the LSTM reads the pads too: `output[:, -1]` is the state after reading the "
        "pads, not after the last word. `pack_padded_sequence(x, lengths, batch_first=True, "
        "enforce_sorted=False)` stops each review at its own length, so `h_n` holds each "
        "review's state at its last word; `pad_packed_sequence` lays the output out again "
        "as (b_S, n_E, D·H), zeros past each length. With `bidirectional=True` the backward "
        "direction walks from e = n_E down: padded, it reads the pads before the words. "
        "The same LSTM run on each review alone, without pads, is the ground truth. The runs "
        "agree to float32 rounding (`torch.allclose`), bit for bit only where `torch.equal` "
        "says so: packing feeds fewer reviews at the later steps, which rounds differently.",
        fill("""
            bidirectional = $bidirectional  # the page's switch: the LSTM reads both ways or not
            torch.manual_seed(seed)  # the same seed: the forward weights are lstm's
            lstm_pad = nn.LSTM(n_x, hidden_size, batch_first=True, bidirectional=bidirectional)
            H = hidden_size
            lengths = (ids[first : first + batch_size] != 0).sum(dim=1).clamp(min=1)  # (b_S,)
            print("lengths", lengths.tolist())  # tokens that are not <pad>
            with torch.no_grad():
                padded_output, (padded_h_n, _) = lstm_pad(X_batch)  # (b_S, n_E, D*H), (D, b_S, H)
                packed = pack_padded_sequence(X_batch, lengths, batch_first=True,
                                              enforce_sorted=False)
                packed_output, (packed_h_n, _) = lstm_pad(packed)  # h_n in the batch's order
                packed_output, _ = pad_packed_sequence(packed_output, batch_first=True,
                                                       total_length=seq_len)  # (b_S, n_E, D*H)
                alone = [lstm_pad(X_batch[i, :n]) for i, n in enumerate(lengths.tolist())]


            def same(a, b):
                return torch.allclose(a, b, rtol=0, atol=$atol)


            last = lengths - 1  # each review's last word
            rows = torch.arange(len(lengths))
            padded_last = padded_output[:, -1, :H]  # what output[:, -1] reads, forward
            for i, n in enumerate(lengths.tolist()):
                d = (padded_last[i] - packed_h_n[0, i]).abs().max().item()
                verdict = "same" if same(padded_last[i], packed_h_n[0, i]) else "differs"
                print(f"s = {first + i}: length {n} of n_E = {seq_len}; padded "
                      f"output[s, -1, :H] against packed h_n[0][s]: max |Δ| = {d:.1e}, {verdict}")

            at_length = padded_output[rows, last, :H]  # (b_S, H): padded, at the last word
            print("packed h_n[0] = padded output[s, length - 1, :H]: torch.equal",
                  torch.equal(packed_h_n[0], at_length), "torch.allclose",
                  same(packed_h_n[0], at_length),
                  f"max |Δ| = {(packed_h_n[0] - at_length).abs().max().item():.1e}")
            was_padded = lengths < seq_len
            matches = torch.tensor([same(padded_last[i], packed_h_n[0, i]) for i in rows])
            print("padded output[:, -1, :H] differs from packed h_n[0] exactly where padded:",
                  torch.equal(matches, ~was_padded))
            if bidirectional:
                back = torch.tensor([same(padded_output[i, last[i], H:],
                                          packed_output[i, last[i], H:]) for i in rows])
                print("backward at the last word, padded against packed, differs exactly "
                      "where padded (it read the pads first):", torch.equal(back, ~was_padded))
            diffs = [max((packed_output[i, :n] - out).abs().max().item(),
                         (packed_h_n[:, i] - h).abs().max().item())
                     for i, (n, (out, (h, _))) in enumerate(zip(lengths.tolist(), alone))]
            print("packed = each review alone: torch.allclose",
                  all(d <= $atol for d in diffs), f"max |Δ| = {max(diffs):.1e}")
            """, bidirectional=bidirectional, atol=PAD_ATOL),
    )
