"""Fast mini-batches from in-memory tensors.

A default ``DataLoader`` over a ``TensorDataset`` indexes and collates one example at a time, which dominates a
small model's step on CPU. Here the batch sampler hands a whole index list to ``__getitems__`` (one gather per
tensor). It is still a map-style dataset with a ``BatchSampler``, so Lightning shards it under DDP.
"""
from __future__ import annotations

import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset


class BatchedTensorDataset(TensorDataset):
    def __getitems__(self, indices):
        index = torch.as_tensor(indices)
        return tuple(t[index] for t in self.tensors)


def _as_batch(batch):
    return batch


def tensor_loader(*tensors: torch.Tensor, batch_size: int, seed: int, drop_last: bool = True) -> DataLoader:
    """Shuffled mini-batches over equal-length tensors, reproducible from ``seed``."""
    dataset = BatchedTensorDataset(*tensors)
    if batch_size > len(dataset):
        raise ValueError(f"batch_size {batch_size} exceeds the dataset size {len(dataset)}")
    sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    return DataLoader(dataset, batch_sampler=BatchSampler(sampler, batch_size, drop_last=drop_last),
                      collate_fn=_as_batch)
