"""Point-cloud machinery against exact answers: the shipped meshes, the unit-sphere normalisation, uniform surface
sampling, Chamfer and point-to-mesh distances against brute force, and the classical denoisers on shapes whose
surface is known in closed form (a plane, a sphere)."""
import gzip

import numpy as np
import pytest

from helpers.params import REPO
from invdiff.experiments.pointcloud import baselines, meshes, metrics

MESHES = REPO / "data" / "meshes"
TEST = ["camel", "cow", "eight", "elephant", "elk", "fandisk", "icosahedron", "octahedron", "pig", "star"]


def test_every_shipped_mesh_reads_as_a_closed_triangle_mesh_in_the_unit_sphere():
    names = sorted(p.name.removesuffix(".off.gz") for p in MESHES.glob("*.off.gz"))
    assert set(TEST) <= set(names) and len(names) == 22
    for name in names:
        v, f = meshes.read_off(MESHES / f"{name}.off.gz")
        assert f.shape[1] == 3 and f.min() >= 0 and f.max() < len(v)
        unit, centre, scale = meshes.normalize_unit_sphere(v)
        assert np.linalg.norm(unit, axis=1).max() == pytest.approx(1.0)
        np.testing.assert_allclose(unit.min(0) + unit.max(0), 0, atol=1e-12)  # bounding box centred
        np.testing.assert_allclose(unit * scale + centre, v, atol=1e-9)


def test_off_reader_splits_polygons_and_names_bad_files(tmp_path):
    square = tmp_path / "square.off"
    square.write_text("OFF\n# a unit square as one quad\n4 1 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n")
    v, f = meshes.read_off(square)
    assert v.shape == (4, 3) and f.tolist() == [[0, 1, 2], [0, 2, 3]]
    assert meshes.triangle_areas(v, f).sum() == pytest.approx(1.0)
    packed = tmp_path / "square.off.gz"
    packed.write_bytes(gzip.compress(square.read_bytes()))
    np.testing.assert_array_equal(meshes.read_off(packed)[1], f)
    for text, match in (("PLY\n", "not an OFF mesh"), ("COFF\n1 0 0\n0 0 0 1 1 1 1\n", "not supported"),
                        ("OFF\n4 1 0\n0 0 0\n", "truncated"), ("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n",
                                                               "outside")):
        bad = tmp_path / "bad.off"
        bad.write_text(text)
        with pytest.raises(meshes.MeshFormatError, match=match) as info:
            meshes.read_off(bad)
        assert "bad.off" in str(info.value)


def test_surface_samples_are_uniform_by_area():
    # two triangles of area 1 and 3: a quarter of the points on the first, uniform inside (mean = centroid)
    v = np.array([[0, 0, 0], [2, 0, 0], [0, 1, 0], [10, 0, 0], [13, 0, 0], [10, 2, 0]], dtype=float)
    f = np.array([[0, 1, 2], [3, 4, 5]])
    p = meshes.sample_surface(v, f, 40000, np.random.default_rng(0))
    first = p[:, 0] < 5
    assert first.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(p[first].mean(0), v[:3].mean(0), atol=0.01)
    np.testing.assert_allclose(p[~first].mean(0), v[3:].mean(0), atol=0.02)
    assert np.all(p[:, 2] == 0)


def _brute_sq(a, b):
    return ((a[:, None] - b[None]) ** 2).sum(-1)


def _segment_sq(p, a, b):
    t = np.clip(((p - a) * (b - a)).sum(-1) / ((b - a) ** 2).sum(-1), 0, 1)
    return ((p - a - t[..., None] * (b - a)) ** 2).sum(-1)


def _brute_point_triangle_sq(points, tri):
    """[P, F] squared distances by another route than Ericson's regions: the foot on the triangle's plane when its
    barycentric coordinates are all non-negative, else the nearest of the three edges."""
    p = points[:, None]  # [P, 1, 3]
    a, b, c = tri[None, :, 0], tri[None, :, 1], tri[None, :, 2]
    n = np.cross(b - a, c - a)
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    height = ((p - a) * n).sum(-1)
    foot = p - height[..., None] * n
    m = np.stack([b - a, c - a], -1)  # [1, F, 3, 2]
    m = np.broadcast_to(m, foot.shape + (2,))
    rhs = np.einsum("...ki,...k->...i", m, foot - a)[..., None]
    uv = np.linalg.solve(np.einsum("...ki,...kj->...ij", m, m), rhs)[..., 0]
    inside = (uv[..., 0] >= 0) & (uv[..., 1] >= 0) & (uv.sum(-1) <= 1)
    edges = np.minimum(np.minimum(_segment_sq(p, a, b), _segment_sq(p, b, c)), _segment_sq(p, c, a))
    return np.where(inside, height ** 2, edges)


def test_closest_point_on_triangles_matches_an_independent_exact_distance():
    rng = np.random.default_rng(1)
    tri = rng.normal(size=(6, 3, 3))
    points = rng.normal(size=(200, 3)) * 2
    exact = np.stack([((points - metrics.closest_on_triangles(points, *np.repeat(t[None], len(points), 0)
                                                              .transpose(1, 0, 2))) ** 2).sum(1) for t in tri], 1)
    np.testing.assert_allclose(exact, _brute_point_triangle_sq(points, tri), rtol=1e-9, atol=1e-12)


def test_chamfer_and_point_to_mesh_against_brute_force():
    rng = np.random.default_rng(2)
    v, f = meshes.read_off(MESHES / "octahedron.off.gz")
    v, _, _ = meshes.normalize_unit_sphere(v)
    p = meshes.sample_surface(v, f, 300, rng) + rng.normal(scale=0.05, size=(300, 3))
    q = meshes.sample_surface(v, f, 250, rng)
    d = _brute_sq(p, q)
    assert metrics.chamfer(p, q) == pytest.approx(d.min(1).mean() + d.min(0).mean(), rel=1e-10)
    pt = _brute_point_triangle_sq(p, v[f])
    expected = pt.min(1).mean() + pt.min(0).mean()
    assert metrics.point_to_mesh(p, v, f) == pytest.approx(expected, rel=1e-9)
    # on the surface, both directions vanish as the cloud densifies
    dense = meshes.sample_surface(v, f, 20000, rng)
    assert metrics.point_to_mesh_sq(dense, v, f).max() < 1e-20
    assert metrics.face_to_cloud_sq(dense, v, f).max() < 1e-3


def test_noise_of_one_percent_gives_the_expected_point_to_mesh_distance():
    """Points on a plane pushed by N(0, s^2) per axis: the squared distance to the plane is s^2 on average."""
    rng = np.random.default_rng(4)
    v = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], dtype=float)
    f = np.array([[0, 1, 2], [0, 2, 3]])
    clean = meshes.sample_surface(v, f, 20000, rng) * np.array([0.5, 0.5, 1])  # stay inside the square
    noisy = clean + rng.normal(scale=0.01, size=clean.shape)
    assert metrics.point_to_mesh_sq(noisy, v, f).mean() == pytest.approx(1e-4, rel=0.05)


@pytest.mark.parametrize("method", ["bilateral", "jet"])
def test_denoisers_pull_a_noisy_sphere_back_to_its_radius(method):
    rng = np.random.default_rng(5)
    clean = rng.normal(size=(5000, 3))
    clean /= np.linalg.norm(clean, axis=1, keepdims=True)
    noisy = clean + rng.normal(scale=0.02, size=clean.shape)
    out = baselines.bilateral(noisy, 32, 0.04) if method == "bilateral" else baselines.jet(noisy, 32)
    before = np.abs(np.linalg.norm(noisy, axis=1) - 1).mean()
    after = np.abs(np.linalg.norm(out, axis=1) - 1).mean()
    assert after < 0.5 * before
    assert metrics.chamfer(out, clean) < metrics.chamfer(noisy, clean)


def test_jet_reproduces_a_quadric_exactly():
    """Points on z = 0.3 x^2 - 0.2 xy + 0.1 y^2 are left where they are by a degree-2 jet."""
    rng = np.random.default_rng(6)
    xy = rng.uniform(-0.3, 0.3, size=(2000, 2))
    z = 0.3 * xy[:, 0] ** 2 - 0.2 * xy[:, 0] * xy[:, 1] + 0.1 * xy[:, 1] ** 2
    p = np.column_stack([xy, z])
    np.testing.assert_allclose(baselines.jet(p, 24), p, atol=1e-6)


def test_clouds_are_seeded_per_setting_and_noise_has_its_std():
    from invdiff.experiments.pointcloud import data
    from invdiff.experiments.pointcloud.config import PointCloudDataConfig

    cfg = PointCloudDataConfig(train_meshes=["hand"], test_meshes=["octahedron", "star"], points=[4000],
                               noise=[0.01, 0.02])
    one = data.make_split(["octahedron"], cfg, 0, "test")
    wider = data.make_split(["octahedron"], cfg.model_copy(update={"noise": [0.02, 0.03]}), 0, "test")
    np.testing.assert_array_equal(one["octahedron/4000/noise0.02"], wider["octahedron/4000/noise0.02"])
    other_seed = data.make_split(["octahedron"], cfg, 1, "test")
    assert not np.array_equal(one["octahedron/4000/clean"], other_seed["octahedron/4000/clean"])
    for level in (0.01, 0.02):
        residual = one[f"octahedron/4000/noise{level:g}"] - one["octahedron/4000/clean"]
        assert residual.std() == pytest.approx(level, rel=0.03)
    v = one["octahedron/vertices"]
    assert np.linalg.norm(v, axis=1).max() == pytest.approx(1.0)
    assert metrics.point_to_mesh_sq(one["octahedron/4000/clean"].astype(float), v, one["octahedron/faces"]).max() \
        < 1e-12
    with pytest.raises(ValueError, match="both train_meshes and test_meshes"):
        data.make(cfg.model_copy(update={"train_meshes": ["star"]}), 0)
    with pytest.raises(data.MissingInputError, match="no mesh 'teapot'.*known: .*camel"):
        data.make_split(["teapot"], cfg, 0, "test")
