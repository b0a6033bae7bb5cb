"""The sequence dashboard's code: the (n_S, n_E, n_X) data, one nn.LSTM fed three ways, and
the many-to-one read-out."""

from __future__ import annotations

from ..maths.corpus import REVIEWS
from ..maths.sequence import LAYOUT_ATOL
from .csv_read import EXAMPLE_IMPORTS, is_example, quoted, series_code
from .csv_read import IMPORTS as CSV_IMPORTS
from .padding import PADDING_IMPORT, padding_section
from .recipe import Recipe, Section, fill
from .snippets import FIND_TEMPERATURES, noisy_sines

__all__ = ["sequence_recipe"]

LABELS = {"signals": "synthetic signals", "temperatures": "daily minimum temperatures",
          "reviews": "movie reviews", "csv": "your own series"}
# each dataset's code reads its data with these, and nothing else
IMPORTS = {
    "signals": ["import math", "", "import numpy as np", "import torch", "from torch import nn"],
    "temperatures": ["import csv", "import importlib.util", "import math",
                     "from pathlib import Path", "", "import numpy as np", "import torch",
                     "from torch import nn"],
    "reviews": ["import math", "import re", "", "import torch", "from torch import nn",
                PADDING_IMPORT],
}


def _signals() -> Section:
    return Section(
        "The data: synthetic signals",
        "n_S sequences of n_E elements of n_X values: each of the n_X values of a sequence is "
        "a noisy sine with its own period, phase and amplitude, drawn from a seeded numpy "
        "generator. We draw n_E + 1 steps: the first n_E are the sequence X<sup>&lt;s&gt;"
        "</sup>, the last one is what the model should predict, the next value.",
        noisy_sines("n_s", "seq_len + 1", ("n_S", "n_E + 1")) + "\n" + fill("""
            signals = torch.from_numpy(signals.astype(np.float32))  # (n_S, n_E + 1, n_X)
            X = signals[:, :-1].contiguous()  # (n_S, n_E, n_X)
            targets = signals[:, -1, 0]  # (n_S,): the next value of the first series
            """),
    )


def _temperatures() -> Section:
    return Section(
        "The data: daily minimum temperatures",
        "Seattle's daily minimum temperature, 2012-2015: the file `seattle-weather.csv` "
        "that ships inside the `vega_datasets` package (`pip install vega_datasets`), read "
        "with `csv` without importing the package. One value a day, so n_X = 1. A sliding "
        "window of n_E days is one sequence, and its target is the day after: a series of "
        "N days gives n_S = N − n_E sequences.",
        FIND_TEMPERATURES + "\n" + fill("""
            with open(path, newline="") as f:
                temps = np.array([float(row["temp_min"]) for row in csv.DictReader(f)],
                                 dtype=np.float32)  # (N,)
            n_s = len(temps) - seq_len  # every window that leaves a next day
            days = np.arange(n_s)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
            X = torch.from_numpy(temps[days][..., None])  # (n_S, n_E, 1): window s is days s..
            targets = torch.from_numpy(temps[seq_len:])  # (n_S,): the day after each window
            print("N =", len(temps), "days")
            """),
    )


def _reviews() -> Section:
    listing = "".join(f"    ({text!r}, {label}),\n" for text, label in REVIEWS)
    return Section(
        "The data: movie reviews",
        "Words are not numbers yet. Each review is split into lower-case words (tokens), "
        "every word gets an id in a vocabulary (`<pad>` = 0, `<unk>` = 1, then the words "
        "from the most frequent), and each review is cut or padded with `<pad>` to n_E "
        "tokens. `nn.Embedding` then turns each id into n_X values: the (n_S, n_E) ids "
        "become the (n_S, n_E, n_X) tensor X. `padding_idx=0` maps `<pad>` to zeros. "
        "The target is the review's label: 1 positive, 0 negative.",
        f"reviews = [  # (text, label): 1 positive, 0 negative\n{listing}]\n"
        + fill("""
            n_s = len(reviews)


            def tokenize(text):
                return re.findall(r"[a-z']+", text.lower())  # words, apostrophes kept


            counts = {}
            for text, _ in reviews:
                for word in tokenize(text):
                    counts[word] = counts.get(word, 0) + 1
            words = sorted(counts, key=lambda w: (-counts[w], w))  # most frequent first, ties a-z
            vocab = {"<pad>": 0, "<unk>": 1, **{w: i + 2 for i, w in enumerate(words)}}

            tokens = []
            for text, _ in reviews:
                kept = tokenize(text)[:seq_len]  # truncate to n_E
                tokens.append(kept + ["<pad>"] * (seq_len - len(kept)))  # pad at the end
            ids = torch.tensor([[vocab.get(t, vocab["<unk>"]) for t in row] for row in tokens])
            targets = torch.tensor([label for _, label in reviews], dtype=torch.float32)
            print("vocabulary", len(vocab), "ids", tuple(ids.shape))  # (n_S, n_E)
            print(tokens[0])

            torch.manual_seed(seed)
            embedding = nn.Embedding(len(vocab), n_x, padding_idx=0)
            with torch.no_grad():
                X = embedding(ids)  # (n_S, n_E) -> (n_S, n_E, n_X)
            """),
    )


def _own_series(m) -> Section:
    """The learner's series, read as the page read it, cut into windows of n_E rows in the
    file's own units (``maths.series_task.series_dataset``)."""
    parsed, choice = m.csv.parsed, m.csv.choice
    reading, prose, _group = series_code(parsed, choice)
    return Section(
        "The data: " + ("an example series" if is_example(parsed) else "your own series"),
        prose + " A sliding window of n_E rows is one sequence, and its target is the next "
        "row's target: a series of N rows gives n_S = N − n_E sequences.",
        reading + "\n\n" + fill("""
            series = values.astype(np.float32)  # (N, n_X), in the file's own units
            n_s = len(series) - seq_len  # every window that leaves a next row
            rows = np.arange(n_s)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
            X = torch.from_numpy(series[rows])  # (n_S, n_E, n_X): window s is rows s..
            targets = torch.from_numpy(series[seq_len:, 0].copy())  # (n_S,): the next target
            print("N =", len(series), "rows")
            """))


def sequence_recipe(model, link: str = "") -> Recipe:
    """The code that rebuilds the sequence dashboard's view: its data, batch, LSTM and checks.

    ``model`` is a ``widgets.state.sequence_model.SequenceModel``; only its settings and indices are
    read. Names the code leaves behind: ``X``, ``targets``, ``X_batch``, ``X_s``, ``x_e``,
    ``lstm``, ``lstm_tf``, ``head``, ``output``, ``h_n``, ``c_n``, ``shapes`` (layout ->
    input/output/h_n/c_n shape), ``unbatched_diff``, ``time_major_diff``, ``last_is_h_n``,
    ``prediction`` and ``batch_targets``; for the reviews also those of ``padding_section``.
    """
    m = model
    dataset = m.dataset
    n_x = m.n_x_used
    fixed = {"signals": "", "temperatures": "n_S follows from the data, n_X is 1: one "
             "temperature a day. ", "reviews": "n_S is the number of reviews. ",
             "csv": "n_S follows from the series' rows, n_X from the columns chosen. "}[dataset]
    imports = (IMPORTS[dataset] if dataset != "csv" else
               (EXAMPLE_IMPORTS if is_example(m.csv.parsed) else CSV_IMPORTS).split("\n"))
    settings = Section(
        "The settings",
        f"The dashboard's settings for the {LABELS[dataset]}. {fixed}One seed draws the "
        "data, the weights of the LSTM and of its read-out. The batch, the sequence in it and "
        "the element e (counted from 1) pick what we look at.",
        "\n".join(imports) + "\n\n"
        + (fill("n_s = $n_s  # n_S: sequences in the dataset", n_s=m.n_s) + "\n"
           if dataset == "signals" else "")
        + fill("""
            seq_len = $seq_len  # n_E: elements in each sequence
            n_x = $n_x  # n_X: values in each element
            batch_size = $batch_size  # b_S: sequences in a batch
            hidden_size = $hidden_size  # H: the LSTM's hidden size
            seed = $seed
            batch = $batch  # the batch we look at
            position = $position  # which sequence of the batch is X^<s>
            element = $element  # the element e of X^<s>, counted from 1
            """, seq_len=m.seq_len, n_x=n_x, batch_size=m.batch_size,
               hidden_size=m.hidden_size, seed=m.seed, batch=m.batch, position=m.position,
               element=m.element),
    )
    data = (_own_series(m) if dataset == "csv" else
            {"signals": _signals, "temperatures": _temperatures, "reviews": _reviews}[dataset]())
    notation = Section(
        "The notation: X, a batch, a sequence, an element",
        "The dataset X holds n_S sequences X<sup>&lt;s&gt;</sup>, each of n_E elements "
        "x<sub>e</sub><sup>&lt;s&gt;</sup>, each of n_X values: shape (n_S, n_E, n_X). A "
        "batch takes b_S sequences at a time, (b_S, n_E, n_X); the last batch holds fewer "
        "when b_S does not divide n_S, as a `DataLoader` with `drop_last=False` gives it. "
        "One sequence alone is (n_E, n_X), one element (n_X,).",
        fill("""
            first = batch * batch_size  # the batch's first sequence
            X_batch = X[first : first + batch_size]  # (b_S, n_E, n_X)
            s = first + position  # X^<s> is sequence s of the dataset
            X_s = X[s]  # (n_E, n_X)
            x_e = X_s[element - 1]  # (n_X,)
            print("X", tuple(X.shape))  # (n_S, n_E, n_X)
            print(f"b_S = {batch_size}: {math.ceil(n_s / batch_size)} batches")
            last = first + len(X_batch) - 1
            print(f"batch {batch}", tuple(X_batch.shape), f"sequences {first} to {last}")
            print(f"X^<{s}>", tuple(X_s.shape))
            values = ", ".join(f"{v:.2f}" for v in x_e.tolist())
            print(f"x_{element}^<{s}>", tuple(x_e.shape), f"= [{values}]")
            """),
    )
    network = Section(
        "The LSTM, twice",
        "`nn.LSTM(n_X, H)` reads elements of n_X values and keeps a hidden state of H. With "
        "`batch_first=True` it takes a batch as (b_S, n_E, n_X); by default "
        "(`batch_first=False`) it wants time first, (n_E, b_S, n_X). The flag changes only "
        "how the input is read, not the weights, so a twin loads the same `state_dict`. "
        "Seeding torch first gives the dashboard's weights, stored in PyTorch's gate order "
        "i, f, g, o: `weight_ih_l0` is (4H, n_X).",
        fill("""
            torch.manual_seed(seed)
            lstm = nn.LSTM(n_x, hidden_size, batch_first=True)
            lstm_tf = nn.LSTM(n_x, hidden_size, batch_first=False)  # time first
            lstm_tf.load_state_dict(lstm.state_dict())  # the same weights
            for name, weight in lstm.named_parameters():
                print(name, tuple(weight.shape))
            """),
    )
    layouts = Section(
        "Batched or not, batch first or not",
        "The same LSTM reads the batch (b_S, n_E, n_X), the sequence X<sup>&lt;s&gt;</sup> "
        "alone, unbatched, as (n_E, n_X), and the batch transposed to time first, "
        "(n_E, b_S, n_X), by the `batch_first=False` twin. `output` holds the hidden state "
        "of every element; `h_n` and `c_n` the last ones, with a leading dimension for the "
        "layer. The numbers agree to float32 rounding.",
        fill("""
            with torch.no_grad():  # we only look: no gradients
                output, (h_n, c_n) = lstm(X_batch)  # (b_S, n_E, H), (1, b_S, H), (1, b_S, H)
                out_u, (h_u, c_u) = lstm(X_s)  # unbatched: (n_E, H), (1, H), (1, H)
                X_tf = X_batch.transpose(0, 1)  # (n_E, b_S, n_X)
                out_tf, (h_tf, c_tf) = lstm_tf(X_tf)  # (n_E, b_S, H)

            fed = {"batched": (X_batch, output, h_n, c_n), "unbatched": (X_s, out_u, h_u, c_u),
                   "time_major": (X_tf, out_tf, h_tf, c_tf)}
            shapes = {}
            for layout, tensors in fed.items():
                shapes[layout] = {name: tuple(t.shape) for name, t in
                                  zip(("input", "output", "h_n", "c_n"), tensors)}
                print(f"{layout:<10}", ", ".join(f"{k} {v}" for k, v in shapes[layout].items()))

            unbatched_diff = (out_u - output[position]).abs().max().item()
            time_major_diff = (out_tf.transpose(0, 1) - output).abs().max().item()
            print(f"unbatched output of X^<{s}> = batched output[{position}]: "
                  f"max |Δ| = {unbatched_diff:.1e}, torch.allclose "
                  f"{torch.allclose(out_u, output[position], rtol=0, atol=$atol)}")
            print(f"batch_first=False output, transposed = batched output: "
                  f"max |Δ| = {time_major_diff:.1e}, torch.allclose "
                  f"{torch.allclose(out_tf.transpose(0, 1), output, rtol=0, atol=$atol)}")
            """, atol=LAYOUT_ATOL),
    )
    target = {"signals": "the next value", "temperatures": "the next day's temperature (°C)",
              "reviews": "the label",
              "csv": (f"the next row's {quoted([m.csv.choice.target])}"
                      if dataset == "csv" else "")}[dataset]
    many_to_one = Section(
        "Many-to-one",
        "The LSTM reads all n_E elements, but only the last hidden state goes on: "
        "`output[:, -1, :]`, which is `h_n[-1]` bit for bit. A linear read-out "
        f"`nn.Linear(H, 1)` turns it into one prediction per sequence, next to {target}. "
        "The model is untrained, so its predictions are random: what matters is which "
        "numbers flow where.",
        fill("""
            last_is_h_n = torch.equal(output[:, -1, :], h_n[-1])
            print("output[:, -1, :] equals h_n[-1]:", last_is_h_n)

            torch.manual_seed(seed + 7)
            head = nn.Linear(hidden_size, 1)
            with torch.no_grad():
                h_last = output[:, -1, :]  # (b_S, H)
                prediction = head(h_last)[:, 0]  # (b_S, 1) -> (b_S,)
                by_hand = h_last @ head.weight[0] + head.bias[0]  # y = h w^T + b
            print("head(h) equals h w^T + b: torch.allclose", torch.allclose(prediction, by_hand))
            batch_targets = targets[first : first + len(prediction)]
            for i, (p, t) in enumerate(zip(prediction.tolist(), batch_targets.tolist())):
                print(f"s = {first + i}: prediction {p:+.3f}, target {t:+.2f}")
            """),
    )
    s = m.batch * m.batch_size + m.position
    return Recipe(
        title=(f"Sequence data: the {LABELS[dataset]}, n_E = {m.seq_len}, n_X = {n_x}, into "
               f"nn.LSTM({n_x}, {m.hidden_size}); batch {m.batch}, sequence {s}, "
               f"element {m.element}"),
        intro=("The sequence-data dashboard of *Disentangling the LSTM* as code: the dataset "
               "as a tensor (n_S, n_E, n_X), the batch, sequence and element the page "
               "highlights, one `nn.LSTM` fed batched, unbatched and time first, and the "
               "many-to-one read-out, with these sizes and seed."),
        sections=(settings, data, notation, network, layouts, many_to_one,
                  *([padding_section(m.bidirectional == "on")] if dataset == "reviews"
                    else [])),
        filename="2_sequence_data.ipynb",
        link=link,
    )
