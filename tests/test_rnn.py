"""Tests for attnbook.rnn: the from-scratch RNN and LSTM cells against torch's own."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from attnbook.rnn import LSTMCell, RNNCell, run_cell

BATCH, INPUT_SIZE, HIDDEN_SIZE, SEQ_LEN = 4, 6, 9, 5


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def max_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


@pytest.mark.parametrize("bias", [True, False])
def test_rnn_cell_matches_torch_with_loaded_state_dict(bias):
    theirs = nn.RNNCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias)
    ours = RNNCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias)
    ours.load_state_dict(theirs.state_dict())
    x, h = torch.randn(BATCH, INPUT_SIZE), torch.randn(BATCH, HIDDEN_SIZE)
    assert max_error(ours(x, h), theirs(x, h)) <= 1e-6
    assert max_error(ours(x), theirs(x)) <= 1e-6  # h = None means zeros in both


def test_rnn_cell_from_torch_copies_weights():
    theirs = nn.RNNCell(INPUT_SIZE, HIDDEN_SIZE)
    ours = RNNCell.from_torch(theirs)
    assert isinstance(ours, RNNCell)
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value)
    x, h = torch.randn(BATCH, INPUT_SIZE), torch.randn(BATCH, HIDDEN_SIZE)
    assert max_error(ours(x, h), theirs(x, h)) <= 1e-6


@pytest.mark.parametrize("cls, torch_cls", [(RNNCell, nn.RNNCell),
                                            (LSTMCell, nn.LSTMCell)])
def test_cell_from_torch_copies_dtype_and_mode(cls, torch_cls):
    theirs = torch_cls(INPUT_SIZE, HIDDEN_SIZE).double().eval()
    ours = cls.from_torch(theirs)
    assert not ours.training
    assert all(p.dtype == torch.float64 for p in ours.parameters())
    for name, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value)
    x = torch.randn(BATCH, INPUT_SIZE, dtype=torch.float64)
    ours_out, theirs_out = ours(x), theirs(x)    # h, or (h, c) for the LSTM
    if cls is RNNCell:
        ours_out, theirs_out = (ours_out,), (theirs_out,)
    for our_t, their_t in zip(ours_out, theirs_out):
        assert our_t.dtype == torch.float64 and max_error(our_t, their_t) <= 1e-12
    assert cls.from_torch(torch_cls(INPUT_SIZE, HIDDEN_SIZE).train()).training


def test_rnn_cell_from_torch_rejects_relu():
    with pytest.raises(ValueError, match="tanh"):
        RNNCell.from_torch(nn.RNNCell(INPUT_SIZE, HIDDEN_SIZE, nonlinearity="relu"))


def test_rnn_cell_parameter_shapes_and_init_range():
    cell = RNNCell(INPUT_SIZE, HIDDEN_SIZE)
    assert cell.weight_ih.shape == (HIDDEN_SIZE, INPUT_SIZE)
    assert cell.weight_hh.shape == (HIDDEN_SIZE, HIDDEN_SIZE)
    bound = HIDDEN_SIZE ** -0.5
    assert all(p.abs().max() <= bound for p in cell.parameters())


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_matches_torch(bias):
    theirs = nn.LSTMCell(INPUT_SIZE, HIDDEN_SIZE, bias=bias)
    ours = LSTMCell.from_torch(theirs)
    x = torch.randn(BATCH, INPUT_SIZE)
    state = (torch.randn(BATCH, HIDDEN_SIZE), torch.randn(BATCH, HIDDEN_SIZE))
    for our_t, their_t in zip(ours(x, state), theirs(x, state)):
        assert max_error(our_t, their_t) <= 1e-6
    for our_t, their_t in zip(ours(x), theirs(x)):
        assert max_error(our_t, their_t) <= 1e-6
    assert ours.weight_ih.shape == (4 * HIDDEN_SIZE, INPUT_SIZE)


def test_lstm_gate_order_is_i_f_g_o():
    # With zero weights the gates are set by the biases alone: open only the forget gate
    # (2nd quarter) and c' = c exactly, h' = sigmoid(0) * tanh(c).
    cell = LSTMCell(INPUT_SIZE, HIDDEN_SIZE)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih[:HIDDEN_SIZE] = -100.0                      # input gate closed
        cell.bias_ih[HIDDEN_SIZE:2 * HIDDEN_SIZE] = 100.0        # forget gate open
    c = torch.randn(BATCH, HIDDEN_SIZE)
    h_next, c_next = cell(torch.randn(BATCH, INPUT_SIZE), (torch.zeros(BATCH, HIDDEN_SIZE), c))
    assert torch.allclose(c_next, c)
    assert torch.allclose(h_next, 0.5 * torch.tanh(c))


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_run_cell_matches_torch_sequence_module(kind):
    inputs = torch.randn(BATCH, SEQ_LEN, INPUT_SIZE)
    if kind == "rnn":
        theirs, ours = nn.RNN(INPUT_SIZE, HIDDEN_SIZE, batch_first=True), RNNCell(INPUT_SIZE, HIDDEN_SIZE)
    else:
        theirs, ours = nn.LSTM(INPUT_SIZE, HIDDEN_SIZE, batch_first=True), LSTMCell(INPUT_SIZE, HIDDEN_SIZE)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours, name).copy_(getattr(theirs, name + "_l0"))
    our_outputs, our_state = run_cell(ours, inputs)
    their_outputs, their_state = theirs(inputs)
    assert our_outputs.shape == (BATCH, SEQ_LEN, HIDDEN_SIZE)
    assert max_error(our_outputs, their_outputs) <= 1e-6
    if kind == "rnn":
        assert max_error(our_state, their_state[0]) <= 1e-6
    else:
        assert max_error(our_state[0], their_state[0][0]) <= 1e-6
        assert max_error(our_state[1], their_state[1][0]) <= 1e-6


def test_run_cell_with_initial_state_continues_a_sequence():
    cell = LSTMCell(INPUT_SIZE, HIDDEN_SIZE)
    inputs = torch.randn(BATCH, SEQ_LEN, INPUT_SIZE)
    full_outputs, full_state = run_cell(cell, inputs)
    _, half_state = run_cell(cell, inputs[:, :2])
    rest_outputs, rest_state = run_cell(cell, inputs[:, 2:], half_state)
    assert torch.allclose(rest_outputs, full_outputs[:, 2:], atol=1e-6)
    assert torch.allclose(rest_state[1], full_state[1], atol=1e-6)


@pytest.mark.parametrize("cell_class", [RNNCell, LSTMCell])
def test_gradients_flow_to_every_parameter_and_input(cell_class):
    cell = cell_class(INPUT_SIZE, HIDDEN_SIZE)
    inputs = torch.randn(BATCH, SEQ_LEN, INPUT_SIZE, requires_grad=True)
    outputs, _ = run_cell(cell, inputs)
    outputs[:, -1].sum().backward()
    assert inputs.grad[:, 0].abs().sum() > 0  # the first step influences the last output
    for name, p in cell.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("cell_class", [RNNCell, LSTMCell])
def test_cells_reject_wrong_input_size(cell_class):
    cell = cell_class(INPUT_SIZE, HIDDEN_SIZE)
    with pytest.raises(ValueError, match=rf"input_size={INPUT_SIZE}.*got shape \({BATCH}, 7\)"):
        cell(torch.randn(BATCH, 7))
    with pytest.raises(ValueError, match=r"got shape \(6,\)"):
        cell(torch.randn(INPUT_SIZE))  # a single unbatched vector


def test_cells_reject_wrong_state_size():
    with pytest.raises(ValueError, match=rf"hidden_size={HIDDEN_SIZE}.*got shape \({BATCH}, 3\)"):
        RNNCell(INPUT_SIZE, HIDDEN_SIZE)(torch.randn(BATCH, INPUT_SIZE), torch.randn(BATCH, 3))
    with pytest.raises(ValueError, match=r"expected c of shape"):
        LSTMCell(INPUT_SIZE, HIDDEN_SIZE)(torch.randn(BATCH, INPUT_SIZE),
                                          (torch.randn(BATCH, HIDDEN_SIZE), torch.randn(2, HIDDEN_SIZE)))


def test_run_cell_rejects_wrong_rank_and_empty_sequence():
    cell = RNNCell(INPUT_SIZE, HIDDEN_SIZE)
    with pytest.raises(ValueError, match="batch, seq_len, input_size"):
        run_cell(cell, torch.randn(BATCH, INPUT_SIZE))
    with pytest.raises(ValueError, match="seq_len >= 1"):
        run_cell(cell, torch.randn(BATCH, 0, INPUT_SIZE))
