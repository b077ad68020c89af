"""Fast, resumable mini-batches from in-memory tensors.

A default ``DataLoader`` over a ``TensorDataset`` indexes and collates one example at a time, which dominates a
small model's step on CPU. Here the batch sampler hands a whole index list to ``__getitems__`` (one gather per
tensor). It is still a map-style dataset with a batch sampler, so Lightning shards it under DDP.

The loader is *stateful* (``state_dict`` / ``load_state_dict``, which Lightning saves in every checkpoint): it
records the shuffle generator's state at the start of the epoch in progress and how many batches of it were
served, so a run resumed mid-epoch continues with the very batches the uninterrupted run would have drawn.
"""
from __future__ import annotations

import hashlib
from typing import Any

import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset


class BatchedTensorDataset(TensorDataset):
    def __getitems__(self, indices):
        index = torch.as_tensor(indices)
        return tuple(t[index] for t in self.tensors)

    def digest(self) -> str:
        """sha256 of the tensors' dtypes, shapes and bytes: what the model trains on, whatever file it came from."""
        h = hashlib.sha256()
        for t in self.tensors:
            t = t.detach().cpu().contiguous()
            h.update(f"{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        return h.hexdigest()


def _as_batch(batch):
    return batch


class ResumableBatchSampler(Sampler[list[int]]):
    """Shuffled batches in the order of ``BatchSampler(RandomSampler(generator=...))`` -- one ``randperm`` per
    epoch from one seeded generator -- whose position survives a restart.

    Under DDP (a process group is up when the batches are drawn) every process draws the same permutation and takes
    its shard ``batch[rank::world_size]`` of each batch: the processes together see the single-process batch, so
    ``batch_size`` stays the global batch, the averaged gradient is the single-process one, and the position (which
    rank zero checkpoints) is the same for every process. Lightning must not replace this sampler
    (``use_distributed_sampler=False``).
    """

    def __init__(self, size: int, batch_size: int, seed: int, drop_last: bool):
        self.size, self.batch_size, self.drop_last = size, batch_size, drop_last
        self.generator = torch.Generator().manual_seed(seed)
        self._epoch_start = self.generator.get_state()  # the generator before the permutation in progress
        self._served = 0
        self._skip = 0

    def batches_per_epoch(self) -> int:
        return self.size // self.batch_size if self.drop_last else -(-self.size // self.batch_size)

    def __len__(self) -> int:
        # the full epoch even while a resumed one is partly served: Lightning sizes every epoch by the first len()
        return self.batches_per_epoch()

    def __iter__(self):
        self._epoch_start = self.generator.get_state()
        order = torch.randperm(self.size, generator=self.generator).tolist()
        skip, self._skip = self._skip, 0
        self._served = skip
        rank, world = _shard()
        if self.batch_size % world:
            raise ValueError(f"batch_size {self.batch_size} is not divisible by the {world} DDP processes: each takes "
                             "an equal shard of every batch")
        for b in range(skip, self.batches_per_epoch()):
            self._served = b + 1
            yield order[b * self.batch_size:(b + 1) * self.batch_size][rank::world]

    @property
    def epoch_finished(self) -> bool:
        return self._served >= self.batches_per_epoch()

    def state_dict(self) -> dict[str, Any]:
        return {"epoch_start": self._epoch_start.clone(), "served": self._served}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["epoch_start"])
        self._served = int(state["served"])
        if self.epoch_finished:  # the next epoch draws a fresh permutation after this one
            torch.randperm(self.size, generator=self.generator)
            self._skip = 0
        else:
            self._skip = self._served


def _shard() -> tuple[int, int]:
    """(rank, world size) of the running process group, (0, 1) without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class ResumableLoader(DataLoader):
    """A ``DataLoader`` that Lightning checkpoints and restores (its batch position, through the sampler)."""

    def state_dict(self) -> dict[str, Any]:
        return self.batch_sampler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.batch_sampler.load_state_dict(state)


def tensor_loader(*tensors: torch.Tensor, batch_size: int, seed: int, drop_last: bool = True) -> ResumableLoader:
    """Shuffled mini-batches over equal-length tensors, reproducible from ``seed`` and resumable mid-epoch."""
    dataset = BatchedTensorDataset(*tensors)
    if batch_size > len(dataset):
        raise ValueError(f"batch_size {batch_size} exceeds the dataset size {len(dataset)}")
    sampler = ResumableBatchSampler(len(dataset), batch_size, seed, drop_last)
    return ResumableLoader(dataset, batch_sampler=sampler, collate_fn=_as_batch)
