#!/usr/bin/env python
"""Train the variational autoencoders of chapter 7 for longer, on the digits or on MNIST.

The same code as the chapter (``reparam.jax_models`` and ``reparam.data``), with the chapter's
settings as defaults; a tqdm progress bar shows the training ELBO and the temperature. Nothing
is downloaded: MNIST is read from its four standard IDX files in ``--mnist-dir``.

Examples (from the repository root, with the book's environment)::

    # the chapter's categorical runs, three seeds each
    python scripts/train_vae.py --seeds 0 1 2
    # ten times longer, Jang's schedule stretched to the run
    python scripts/train_vae.py --steps 30000 --anneal-rate 5e-5 --anneal-every 600
    # MNIST with Jang et al.'s model size (N = 30 variables of K = 10 categories)
    python scripts/train_vae.py --data mnist --mnist-dir ~/data/mnist --n-latent 30 \\
        --hidden 512 256 --steps 100000 --anneal-rate 3e-5 --anneal-every 1000
    # the Gaussian VAE of the chapter
    python scripts/train_vae.py --latent gaussian --n-latent 4
"""
import argparse
import sys
import time

import numpy as np

from reparam import data, jax_models

#: The chapter's settings (chapters/07_vaes.ipynb), the defaults here.
DEFAULTS = {
    "steps": 3000,
    "batch_size": 100,
    "learning_rate": 1e-3,
    "n_latent": {"categorical": 8, "gaussian": 4},
    "n_categories": 10,
    "hidden": [128],
    "samples": 1,
    "rloo_samples": 4,
    "anneal_rate": 5e-4,
    "anneal_every": 60,
    "tau0": 1.0,
    "tau_min": 0.5,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Train chapter 7's variational autoencoders with a choice of gradient estimators.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", choices=("digits", "mnist"), default="digits",
                        help="scikit-learn's 8x8 digits (shipped, no download) or MNIST from --mnist-dir")
    parser.add_argument("--mnist-dir", help="directory holding the four MNIST IDX files (.gz or not)")
    parser.add_argument("--latent", choices=("categorical", "gaussian"), default="categorical")
    parser.add_argument("--estimator", nargs="+", default=None,
                        help="estimators to train with; default all of the latent type's "
                             f"({', '.join(jax_models.ESTIMATORS['categorical'])} or "
                             f"{', '.join(jax_models.ESTIMATORS['gaussian'])})")
    parser.add_argument("--tau", nargs="+", default=["anneal"],
                        help="temperatures of gs and st: 'anneal' (Jang's schedule) and/or fixed numbers")
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    parser.add_argument("--lr", type=float, default=DEFAULTS["learning_rate"], help="Adam's learning rate")
    parser.add_argument("--n-latent", type=int, default=None,
                        help="N categorical variables or D Gaussian dimensions (default 8 or 4)")
    parser.add_argument("--n-categories", type=int, default=DEFAULTS["n_categories"], help="K")
    parser.add_argument("--hidden", type=int, nargs="+", default=DEFAULTS["hidden"], help="hidden layer widths")
    parser.add_argument("--samples", type=int, default=DEFAULTS["samples"], help="samples of z per image (S)")
    parser.add_argument("--rloo-samples", type=int, default=DEFAULTS["rloo_samples"], help="S for rloo")
    parser.add_argument("--anneal-rate", type=float, default=DEFAULTS["anneal_rate"], help="r in max(tau_min, tau0 exp(-r t))")
    parser.add_argument("--anneal-every", type=int, default=DEFAULTS["anneal_every"], help="update tau every this many steps")
    parser.add_argument("--tau0", type=float, default=DEFAULTS["tau0"])
    parser.add_argument("--tau-min", type=float, default=DEFAULTS["tau_min"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one training run per seed")
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the digits' train/test split")
    parser.add_argument("--eval-samples", type=int, default=100, help="samples per test image for the ELBO")
    parser.add_argument("--iw-samples", type=int, default=1000, help="samples per test image for the IW bound")
    parser.add_argument("--eval-every", type=int, default=500, help="steps between test ELBOs in the history")
    parser.add_argument("--test-limit", type=int, default=None, help="evaluate on the first this many test images")
    parser.add_argument("--out", help="save every run's history and final numbers to this .npz file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.data == "mnist" and not args.mnist_dir:
        parser.error("--data mnist needs --mnist-dir (nothing is downloaded)")
    if args.n_latent is None:
        args.n_latent = DEFAULTS["n_latent"][args.latent]
    allowed = jax_models.ESTIMATORS[args.latent]
    args.estimator = list(allowed) if args.estimator is None else args.estimator
    for name in args.estimator:
        if name not in allowed:
            parser.error(f"estimator {name!r} is not one of {allowed} for a {args.latent} VAE")
    taus = []
    for value in args.tau:
        if value == "anneal":
            taus.append(value)
        else:
            try:
                taus.append(float(value))
            except ValueError:
                parser.error(f"--tau takes 'anneal' or numbers, got {value!r}")
    args.tau = taus
    return args


def runs(args):
    """(label, estimator, tau setting, samples) for every requested training run."""
    for estimator in args.estimator:
        if estimator in ("gs", "st"):
            for tau in args.tau:
                label = f"{estimator} tau={'anneal' if tau == 'anneal' else f'{tau:g}'}"
                yield label, estimator, tau, args.samples
        else:
            yield estimator, estimator, 1.0, args.rloo_samples if estimator == "rloo" else args.samples


def relaxed_objective(config, params, x, tau, n_samples, seed, batch_size=50):
    """Minus the Gumbel-softmax training objective on ``x``: relaxed reconstructions minus the discrete KL."""
    import jax.numpy as jnp

    rng = np.random.default_rng(seed)
    total = 0.0
    for start in range(0, len(x), batch_size):
        xb = jnp.asarray(x[start:start + batch_size])
        noise = jax_models.sample_noise(config, (n_samples, len(xb)), rng)
        surrogate, _, _ = jax_models.surrogate_objective(config, params, xb, noise, estimator="gs", tau=tau)
        total += float(np.sum(surrogate))
    return -total / len(x)


def main(argv=None):
    args = parse_args(argv)
    images = data.load_mnist(args.mnist_dir) if args.data == "mnist" else data.load_digits_binarized(rng=args.split_seed)
    x_test = images.x_test if args.test_limit is None else images.x_test[:args.test_limit]
    config = jax_models.VAEConfig(args.latent, n_latent=args.n_latent, n_categories=args.n_categories,
                                  n_pixels=images.x_train.shape[1], hidden=tuple(args.hidden))
    schedule = jax_models.jang_temperature(args.steps, rate=args.anneal_rate, tau0=args.tau0,
                                           tau_min=args.tau_min, every=args.anneal_every)
    print(f"{args.data}: {len(images.x_train)} training and {len(x_test)} test images of {images.image_shape}; "
          f"{config}", flush=True)
    saved = {}
    rows = []
    for label, estimator, tau, samples in runs(args):
        for seed in args.seeds:
            start = time.perf_counter()
            result = jax_models.train(config, images.x_train, estimator=estimator, steps=args.steps, rng=seed,
                                      tau=schedule if tau == "anneal" else tau, n_samples=samples,
                                      batch_size=args.batch_size, learning_rate=args.lr, x_test=x_test,
                                      eval_every=args.eval_every, progress=not args.no_progress)
            seconds = time.perf_counter() - start
            ev = jax_models.evaluate(config, result.params, x_test, rng=seed, elbo_samples=args.eval_samples,
                                     iw_samples=args.iw_samples)
            relaxed = None
            if estimator == "gs":  # the objective the run maximised, at its final temperature
                final_tau = float(schedule[-1]) if tau == "anneal" else tau
                relaxed = relaxed_objective(config, result.params, x_test, final_tau, args.eval_samples, seed)
            rows.append((label, seed, -ev.elbo, ev.elbo_se, -ev.iw_bound, seconds))
            shown = "" if relaxed is None else f", relaxed training objective {relaxed:8.3f}"
            print(f"{label:16s} seed {seed}: test -ELBO {-ev.elbo:8.3f} (se {ev.elbo_se:.3f}), "
                  f"-IW bound ({args.iw_samples} samples) {-ev.iw_bound:8.3f}{shown}, training {seconds:.1f} s",
                  flush=True)
            key = f"{label} seed={seed}".replace(" ", "_")
            for name, values in result.history.items():
                saved[f"{key}/{name}"] = values
            saved[f"{key}/test_neg_elbo"] = np.array([-ev.elbo, ev.elbo_se])
            saved[f"{key}/test_neg_iw_bound"] = np.array(-ev.iw_bound)
    print("\nsummary (mean over seeds, and the spread max - min):")
    for label in dict.fromkeys(r[0] for r in rows):
        elbo = np.array([r[2] for r in rows if r[0] == label])
        iw = np.array([r[4] for r in rows if r[0] == label])
        print(f"{label:16s} -ELBO {elbo.mean():8.3f} (spread {np.ptp(elbo):.3f})   "
              f"-IW bound {iw.mean():8.3f} (spread {np.ptp(iw):.3f})   seeds {len(elbo)}")
    if args.out:
        np.savez(args.out, **saved)
        print(f"saved to {args.out}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
