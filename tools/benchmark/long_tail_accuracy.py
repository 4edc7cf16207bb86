# Copyright (c) gala-mm contributors. All rights reserved.
"""Accuracy on Fashion-MNIST-LT: a learning curve, then GALA against the
baselines trained to convergence, several seeds, a paired verdict.

    # 1. where does training plateau? (CE and GALA, seed 0, val split;
    #    on IF100 at 64 epochs: docs/benchmarks.md)
    python tools/benchmark/long_tail_accuracy.py curve --epochs 8 16 32 64 128
    # 2. every method at that length, 3 seeds; knobs chosen on val
    python tools/benchmark/long_tail_accuracy.py compare --epochs 64
    # the report of what has finished so far (no training)
    python tools/benchmark/long_tail_accuracy.py compare --epochs 64 \
        --report-only
    # smoke run (< 5 min)
    python tools/benchmark/long_tail_accuracy.py compare --quick
    # two runs at once, cores / 2 threads each unless OMP_NUM_THREADS is
    # set (1.37x the runs per hour of one two-thread run on 2 CPU cores;
    # several share a GPU)
    python tools/benchmark/long_tail_accuracy.py compare --epochs 64 --jobs 2

Every method trains ResNet-32 with the demo recipe
(``configs/gala/resnet32_fmnist_lt_demo.py``: GALA's warm-up + cosine
schedule, crop + flip) for the same epochs, seeds and splits. Trained: CE,
Balanced Softmax, LDAM-DRW (cosine head, s = 30, re-weighting from 80 % of
the epochs), GCL (cosine head, stage 1) and GALA. Post-hoc: LA (the CE
model, training prior, tau chosen on validation) and GALA + PRS (the GALA
model, tau chosen on validation). Knobs (GALA's lambda1, GCL's noise_mul)
are chosen on seed 0's validation split, tau on every seed's. The test
split is never used to choose anything.

Each finished run writes one small JSON file to ``--results-dir`` (val and
test metrics for every tau of the grid, per-class accuracy, class counts,
CPU time): commit them as they land. A run found there is not trained
again; an interrupted run resumes from its last epoch checkpoint.
"""
import argparse
import contextlib
import ctypes
import fcntl
import json
import math
import multiprocessing
import os
import os.path as osp
import platform
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from functools import partial
from itertools import groupby
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, ConfigDict  # noqa: E402

import gala_mm  # noqa: E402,F401
from gala_mm.compat import load_checkpoint_file  # noqa: E402
from gala_mm.apis import (offline_config, predict_scores,  # noqa: E402
                          validation_dataloader)
from gala_mm.engine import shot_thresholds  # noqa: E402
from gala_mm.long_tail import (best_tau, per_class_accuracy,  # noqa
                               shot_groups, summarize, tau_sweep)
from gala_mm.utils import ignore_known_warnings  # noqa: E402

DEMO = osp.join(ROOT, 'configs/gala/resnet32_fmnist_lt_demo.py')
RESULTS = osp.join(ROOT, 'docs/benchmarks/results/fmnist_lt')
# The demo config's shot thresholds (its LongTailAccuracy metric's).
MANY_THR, FEW_THR = shot_thresholds(Config.fromfile(DEMO))
NUM_CLASSES = 10
PRECISION = {True: 'bf16 (--amp)', False: 'fp32 (--no-amp)'}
# 0 .. 8 in steps of 0.25 (how the grid was widened: docs/benchmarks.md)
TAUS = [round(0.25 * i, 2) for i in range(33)]
# Points of raw balanced accuracy a re-evaluation may differ by (another
# thread count may flip a near-tie: one val image is 0.1 point of its class)
REEVAL_TOLERANCE = 0.05
# Knob grids, searched on seed 0's validation split. The first value of a
# grid is the method's default (the learning curve uses it); how the grids
# were widened is in docs/benchmarks.md.
KNOBS = dict(gala=('lambda_pos', [1.2, 0.6, 0.9, 1.5, 0.3]),
             gcl=('noise_mul', [0.5, 0.25, 1.0, 2.0]))
TRAINED = ('ce', 'bs', 'ldam_drw', 'gcl', 'gala')
# Table row -> (trained method, post-hoc rule).
ROWS = {
    'CE': ('ce', 'raw'),
    'LA post-hoc': ('ce', 'la'),
    'Balanced Softmax': ('bs', 'raw'),
    'LDAM-DRW': ('ldam_drw', 'raw'),
    'GCL': ('gcl', 'raw'),
    'GALA': ('gala', 'raw'),
    'GALA + PRS': ('gala', 'prs'),
}
BASELINES = ('CE', 'LA post-hoc', 'Balanced Softmax', 'LDAM-DRW', 'GCL')
GALA_ROWS = ('GALA', 'GALA + PRS')
Job = Tuple[int, int, int, str, Optional[float]]  # factor, epochs, seed,
#                                                   method, knob


def head_config(method: str, knob: Optional[float]) -> dict:
    """The classification head of one method."""
    common = dict(num_classes=NUM_CLASSES, in_channels=64)
    if method == 'ce':
        return dict(type='LinearClsHead', loss=dict(type='CrossEntropyLoss'),
                    **common)
    if method == 'bs':
        return dict(type='LinearClsHead',
                    loss=dict(type='BalancedSoftmaxLoss',
                              num_classes=NUM_CLASSES), **common)
    if method == 'ldam_drw':
        return dict(type='NormedLinearClsHead',
                    loss=dict(type='LDAMLoss', num_classes=NUM_CLASSES,
                              max_margin=0.5, scale=30.0), **common)
    if method == 'gcl':
        return dict(type='NormedLinearClsHead',
                    loss=dict(type='GCLLoss', num_classes=NUM_CLASSES,
                              noise_mul=knob, scale=30.0), **common)
    if method == 'gala':
        return dict(type='PRSLinearClsHead',
                    loss=dict(type='GALALoss', lambda_pos=knob,
                              lambda_neg=0.9), **common)
    raise KeyError(method)


def run_tag(factor: int, epochs: int, seed: int, method: str,
            knob: Optional[float]) -> str:
    tag = f'if{factor}_e{epochs}_s{seed}_{method}'
    if method in KNOBS:
        tag += f'_{KNOBS[method][0]}{knob:g}'
    return tag


def build_config(method: str, knob: Optional[float], factor: int,
                 seed: int, epochs: int, data_root: str,
                 quick: bool) -> Config:
    """The demo config, changed for one run (an mmengine Config)."""
    cfg = Config.fromfile(DEMO)
    cfg.model.head = ConfigDict(head_config(method, knob))
    data = dict(data_root=osp.abspath(data_root), imbalance_factor=factor,
                seed=seed)
    if quick:  # needs only 500 training images per class
        data.update(max_per_class=400, val_per_class=100)
    cfg.train_dataloader.dataset.update(data)
    cfg.val_dataloader.dataset.update(data)
    if quick:
        cfg.val_dataloader.dataset.indices = 2000
    cfg.test_dataloader = cfg.val_dataloader
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0,
             end=min(2, epochs)),
        dict(type='CosineAnnealingLR', T_max=max(1, epochs - 2),
             eta_min=0.0, by_epoch=True, begin=1, end=max(2, epochs)),
    ]
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                         val_interval=epochs + 1)
    # A checkpoint every epoch (only the last kept) so a killed run resumes.
    cfg.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=1)
    hooks = [dict(type='ClassCountHook'), dict(type='ExactResumeHook')]
    if method == 'gala':
        hooks.append(dict(type='GALAStatsHook', interval=1))
    if method == 'ldam_drw':  # official: epoch 160 of 200
        hooks.append(dict(type='DeferredReweightHook',
                          start_epoch=max(1, int(0.8 * epochs))))
    cfg.custom_hooks = hooks
    return cfg


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def write_json(path: str, obj) -> None:
    """Write ``obj`` as JSON whole or not at all (temporary file, then
    rename): a process killed while writing leaves no torn file, a full
    disk an error naming the fix and the old file as it was."""
    tmp = path + '.tmp'
    try:
        with open(tmp, 'w') as f:
            json.dump(obj, f)
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise OSError(
            err.errno, f'Could not write {path} ({err.strerror or err}): '
            f'free space in {osp.dirname(osp.abspath(path))} or make it '
            'writable, then run again (a finished training is kept and '
            'evaluated again from its checkpoint).') from err


def tree_cpu_seconds(pid: int) -> Optional[float]:
    """CPU seconds used so far by a live process and its live descendants
    (the dataloader workers), their reaped children included; None where
    there is no Linux ``/proc``."""
    ticks = os.sysconf('SC_CLK_TCK')
    stats = {}
    try:
        entries = [e for e in os.listdir('/proc') if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f'/proc/{entry}/stat') as f:
                # after 'pid (comm)': state ppid ... utime stime cutime cstime
                fields = f.read().rpartition(')')[2].split()
        except OSError:  # the process ended meanwhile
            continue
        stats[int(entry)] = (int(fields[1]),
                             sum(int(x) for x in fields[11:15]))
    if pid not in stats:
        return None
    tree = {pid}
    for _ in range(8):  # depth: train.py -> workers -> their helpers
        tree |= {p for p, (ppid, _) in stats.items() if ppid in tree}
    return sum(stats[p][1] for p in tree) / ticks


class TimeLedger:
    """Wall and CPU seconds of every training segment of one run, kept in
    ``<work_dir>.time.json`` and rewritten every ``period`` seconds, so a
    run resumed across sessions (or killed: at most ``period`` seconds are
    lost) reports the time of all its segments, not the last one's.

    Args:
        path (str): the ledger file.
        period (float): seconds between two writes while training.
        fresh (bool): forget the segments of an earlier ledger (its run's
            work dir is gone, so the run starts again from scratch).
    """

    def __init__(self, path: str, period: float = 30.0, fresh=False):
        self.path, self.period = path, period
        self.segments: List[dict] = []
        if osp.isfile(path) and not fresh:
            try:
                with open(path) as f:
                    self.segments = list(json.load(f)['segments'])
            except (ValueError, KeyError, TypeError) as err:
                # the run's time is then counted from the next segment on
                # (marked incomplete if that one resumes a checkpoint)
                print(f'warning: unreadable time ledger {path} ({err!r}); '
                      'starting a new one', file=sys.stderr)

    def track(self, proc: subprocess.Popen, resumed: bool,
              **info) -> int:
        """Record ``proc`` as a new segment until it exits; its exit code.

        Args:
            proc (Popen): the training process, just started.
            resumed (bool): whether it resumes from a checkpoint.
            **info: recorded with the segment (e.g. ``amp``).
        """
        start, kids = time.time(), _cpu_seconds()
        seg = dict(start=time.strftime('%Y-%m-%d %H:%M:%S'), wall=0.0,
                   cpu=0.0, resumed=resumed, **info)
        self.segments.append(seg)
        warned = False
        while True:
            try:
                code = proc.wait(timeout=self.period)
            except subprocess.TimeoutExpired:
                code = None
            if code is not None:  # reaped: its whole tree's CPU is ours
                seg['cpu'] = round(_cpu_seconds() - kids, 1)
            else:
                cpu = tree_cpu_seconds(proc.pid)
                seg['cpu'] = None if cpu is None else round(cpu, 1)
            seg['wall'] = round(time.time() - start, 1)
            if code is not None:
                self.write()  # the last one: a failure is the error
                return code
            try:
                self.write()
            except OSError as err:  # keep training; the next write may do
                if not warned:
                    print(f'warning: {err}', file=sys.stderr, flush=True)
                warned = True

    def write(self) -> None:
        write_json(self.path, dict(segments=self.segments))

    def totals(self) -> dict:
        """``train_seconds``, ``train_cpu_seconds`` (None if a segment's is
        unknown), ``segments``, ``time_complete`` (False when the first
        recorded segment resumed a run begun without the ledger) and
        ``train_code``: the code of each segment, in order, repeats
        dropped ('unrecorded' for segments from before it was recorded)."""
        cpus = [s['cpu'] for s in self.segments]
        codes = [s.get('code', 'unrecorded') for s in self.segments]
        return dict(
            train_code=[code for code, _ in groupby(codes)],
            train_seconds=round(sum(s['wall'] for s in self.segments), 1),
            train_cpu_seconds=(None if None in cpus else
                               round(sum(cpus), 1)),
            segments=len(self.segments),
            time_complete=bool(self.segments)
            and not self.segments[0]['resumed'])


def note_holder(fd: int, holder: str) -> None:
    """Replace the lock file's text by ``holder`` (the pids the error of
    a second process names)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, holder.encode(), 0)


@contextlib.contextmanager
def run_lock(work_dir: str):
    """Hold ``<work_dir>.lock`` while this process trains or evaluates the
    run; a second benchmark process on the same run is one error naming
    the first (two trainings in one work dir overwrite each other's
    checkpoints). The lock goes with the process, even on SIGKILL; the
    training subprocess inherits it (the file descriptor, yielded)."""
    os.makedirs(osp.dirname(osp.abspath(work_dir)), exist_ok=True)
    fd = os.open(work_dir + '.lock', os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors='replace').strip()
            raise SystemExit(
                f'{osp.basename(work_dir)}: another process (pid '
                f'{holder or "unknown"}) is training or evaluating this run '
                f'in {work_dir}. Let it finish (its result file is then '
                'read) or stop it, and run again.') from None
        note_holder(fd, str(os.getpid()))
        yield fd
    finally:
        os.close(fd)


def _libc_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _libc_prctl()
_PARENT: Optional[int] = None  # a pool worker's parent (see start_pool)


def die_with_parent(parent: int) -> None:
    """Have this process get SIGTERM when its parent exits (Linux's
    ``PR_SET_PDEATHSIG``; elsewhere a pool worker checks its parent before
    each run). A benchmark stopped with ``kill <pid>`` then leaves no pool
    worker taking a queued run and no training going on with nobody to
    evaluate it; the next benchmark resumes from the last epoch checkpoint.

    Args:
        parent (int): the parent's pid; if it has already gone, this
            process exits now.
    """
    global _PARENT
    _PARENT = parent
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    _exit_if_orphaned()


def _exit_if_orphaned() -> None:
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)


_STOP = None  # a pool worker's stop event (see start_pool)


def _start_worker(parent: int, stop) -> None:
    global _STOP
    _STOP = stop
    die_with_parent(parent)


def start_pool(jobs: int, stop=None) -> ProcessPoolExecutor:
    """``jobs`` worker processes that end with the benchmark process and,
    through :func:`run_queued`, start no queued run once ``stop`` (a
    spawn-context ``Event``, if given) is set: cancelling the futures is
    not enough, the pool hands up to jobs + 1 runs to its workers ahead of
    time."""
    return ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context('spawn'),
        initializer=_start_worker, initargs=(os.getpid(), stop))


def run_queued(args, *job) -> Optional[dict]:
    """:func:`run_one` in a pool worker, unless the pool was stopped; a
    failing run stops the pool itself, before this worker takes the next
    run (the benchmark process would see the failure too late)."""
    if _STOP is not None and _STOP.is_set():
        return None
    try:
        return run_one(args, *job)
    except BaseException:
        if _STOP is not None:
            _STOP.set()
        raise


def train(cfg_path: str, work_dir: str, epochs: int, amp: bool,
          lock_fd: Optional[int] = None) -> str:
    """Train (or resume) one run with tools/train.py; the last checkpoint.
    The time of each training segment goes to ``<work_dir>.time.json``;
    the training process inherits ``lock_fd`` (see :func:`run_lock`)."""
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt):
        return ckpt
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), cfg_path,
           '--work-dir', work_dir, '--resume']
    if amp:
        cmd.append('--amp')
    resumed = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    ledger = TimeLedger(work_dir + '.time.json',
                        fresh=not osp.isdir(work_dir))
    before = {s['amp'] for s in ledger.segments if 'amp' in s}
    if resumed and before - {amp}:
        raise SystemExit(
            f'{work_dir} was trained in {PRECISION[not amp]} so far, this '
            f'run asks for {PRECISION[amp]}: one run in two precisions is '
            'neither. Run as before, or give another --work-dir and '
            '--results-dir.')
    with open(work_dir + '.log', 'a') as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                pass_fds=() if lock_fd is None else
                                (lock_fd, ),
                                preexec_fn=partial(die_with_parent,
                                                   os.getpid()))
        if lock_fd is not None:  # who holds the lock if this process dies
            note_holder(lock_fd, f'{os.getpid()}, training process {proc.pid}')
        code = ledger.track(proc, resumed, amp=amp, code=code_version())
    if code:
        raise SystemExit(
            f'training {cfg_path} exited with {code}: '
            f'{last_line(log.name)!r} (the whole log: {log.name})')
    return ckpt


def last_line(path: str) -> str:
    """The last non-blank line of a text file (a failed training's error)."""
    with open(path, errors='replace') as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1] if lines else ''


def _metrics(pred: np.ndarray, gt: np.ndarray, groups) -> dict:
    out = summarize(pred, gt, NUM_CLASSES, groups)
    out['per_class'] = [round(float(x), 4) for x in
                        per_class_accuracy(pred, gt, NUM_CLASSES)]
    return out


def posthoc_rules(method: str) -> List[str]:
    """The post-hoc rules (``'la'``, ``'prs'``) the table applies to a
    trained method, read from :data:`ROWS`."""
    return [rule for m, rule in ROWS.values()
            if m == method and rule != 'raw']


def evaluate(cfg_path: str, ckpt: str, method: str, counts: List[int],
             work_dir: str, taus: Sequence[float]) -> dict:
    """Val and test metrics of the raw model and of its post-hoc rules."""
    cfg = offline_config(cfg_path, work_dir=work_dir)
    splits = dict(
        val=predict_scores(cfg, ckpt, validation_dataloader(cfg)),
        test=predict_scores(cfg, ckpt, cfg.test_dataloader))
    groups = shot_groups(counts, MANY_THR, FEW_THR)
    out = dict(raw={s: _metrics(sc.argmax(1).numpy(), lb.numpy(), groups)
                    for s, (sc, lb) in splits.items()})
    for rule in posthoc_rules(method):
        val, test = (tau_sweep(scores, labels, taus, rule, counts, groups,
                               per_class=True)
                     for scores, labels in (splits['val'], splits['test']))
        out[rule] = [dict(tau=tau, val=_sweep_row(v), test=_sweep_row(t))
                     for tau, v, t in zip(taus, val, test)]
    return out


def _sweep_row(row: dict) -> dict:
    """A :func:`tau_sweep` row as stored in a result file (per-class
    accuracies rounded to 4 decimals, as :func:`_metrics`)."""
    out = {k: v for k, v in row.items() if k not in ('tau', 'per_class')}
    out['per_class'] = [round(float(x), 4) for x in row['per_class']]
    return out


def run_one(args, factor: int, epochs: int, seed: int, method: str,
            knob: Optional[float]) -> Optional[dict]:
    """The result of one run: read from --results-dir, or trained now."""
    _exit_if_orphaned()
    tag = run_tag(factor, epochs, seed, method, knob)
    res_file = osp.join(args.results_dir, tag + '.json')
    res = cached_result(args, res_file, tag)
    if res is not None and same_evaluation(res, args.taus):
        return res
    if args.report_only:
        if res is None:
            return None
        now = evaluation_text(None, args.taus if tau_grids(res) else ())
        raise SystemExit(
            f'{res_file} was evaluated otherwise ({evaluation_text(res)}) '
            f'than now ({now}): run without --report-only to evaluate it '
            'again from its checkpoint (no training).')
    with run_lock(osp.join(args.work_dir, tag)) as lock_fd:
        # read again: the lock's last holder may have finished it meanwhile
        res = cached_result(args, res_file, tag)
        if res is None:
            return train_and_evaluate(
                args, (factor, epochs, seed, method, knob), res_file,
                lock_fd)
        if same_evaluation(res, args.taus):
            return res
        return reevaluate(args, res, res_file)


def cached_result(args, res_file: str, tag: str) -> Optional[dict]:
    """Run ``tag``'s result file (None if there is none); one trained in
    another precision than this benchmark's is an error."""
    if not osp.isfile(res_file):
        return None
    res = read_result(res_file, tag)
    if res['amp'] != args.amp:
        raise SystemExit(
            f'{res_file} was trained in {PRECISION[res["amp"]]}, this '
            f'benchmark trains in {PRECISION[args.amp]}: one table '
            'compares one precision. Run as before, or give another '
            '--work-dir and --results-dir.')
    return res


def tau_grids(res: dict) -> Dict[str, List[float]]:
    """Post-hoc rule the table applies to the run's method -> the τ grid
    it was evaluated on (empty if the result lacks the rule)."""
    return {rule: [row['tau'] for row in res.get(rule, ())]
            for rule in posthoc_rules(res['method'])}


def same_evaluation(res: dict, taus: Sequence[float]) -> bool:
    """Whether the run was evaluated as runs are now: its post-hoc rules
    on ``taus``, its shot groups with the demo config's thresholds."""
    return (all(grid == list(taus) for grid in tau_grids(res).values())
            and (res['many_thr'], res['few_thr']) == (MANY_THR, FEW_THR))


def evaluation_text(res: Optional[dict],
                    taus: Sequence[float] = ()) -> str:
    """``'τ 0, 0.25, …, 8; many > 1500, few < 200'`` of a run (or, with
    ``res`` None, of ``taus`` and the demo config's thresholds)."""
    if res is not None:
        taus = next(iter(tau_grids(res).values()), ())
        many, few = res['many_thr'], res['few_thr']
    else:
        many, few = MANY_THR, FEW_THR
    shown = [f'{t:g}' for t in taus]
    if len(shown) > 3:
        shown[2:-1] = ['…']
    grid = f'τ {", ".join(shown)}; ' if shown else ''
    return f'{grid}many > {many}, few < {few}'


def reevaluate(args, res: dict, res_file: str) -> dict:
    """Evaluate a finished run again from its last checkpoint as runs
    are evaluated now (τ grid, shot thresholds); its training records
    (time, code, date) are kept, the evaluation's go to ``reevaluated``
    (its time is added to the run's).
    The raw balanced accuracies must come out as recorded (within
    ``REEVAL_TOLERANCE``): else the checkpoint, the data or the evaluation
    changed, and the result file is left as it was."""
    was = evaluation_text(res)
    work_dir = osp.join(args.work_dir, res['tag'])
    cfg_path, ckpt = work_dir + '.py', osp.join(work_dir,
                                                f'epoch_{res["epochs"]}.pth')
    for path in (cfg_path, ckpt):
        if not osp.isfile(path):
            raise SystemExit(
                f'{res_file} was evaluated otherwise ({was}) than now and '
                f'{path} is gone: give --work-dir of the run, or delete the '
                'result file to train the run again.')
    start, cpu = time.time(), _cpu_seconds()
    new = evaluate(cfg_path, ckpt, res['method'], res['counts'],
                   work_dir + '_eval', args.taus)
    before = {s: res['raw'][s]['balanced'] for s in ('val', 'test')}
    after = {s: new['raw'][s]['balanced'] for s in ('val', 'test')}
    if any(abs(after[s] - before[s]) > REEVAL_TOLERANCE for s in before):
        raise SystemExit(
            f'{res["tag"]}: evaluated again, its raw balanced accuracy is '
            f'{after} (%), recorded {before}: its checkpoint, the data its '
            f'config {cfg_path} reads or the evaluation code changed since. '
            'The result file is left as it was.')
    seconds, cpu = time.time() - start, _cpu_seconds() - cpu
    res.update(new, many_thr=MANY_THR, few_thr=FEW_THR, reevaluated=dict(
        date=time.strftime('%Y-%m-%d'), code=code_version(),
        was=was, seconds=round(seconds, 1),
        recorded_raw_balanced=before))
    res['seconds'] = round(res['seconds'] + seconds, 1)
    if res.get('cpu_seconds') is not None:
        res['cpu_seconds'] = round(res['cpu_seconds'] + cpu, 1)
    write_json(res_file, res)
    print(f'{res["tag"]}: evaluated again ({evaluation_text(res)})',
          flush=True)
    return res


def train_and_evaluate(args, job: Job, res_file: str, lock_fd: int) -> dict:
    """Train one run (or resume it), evaluate it, write its result file."""
    factor, epochs, seed, method, knob = job
    tag = run_tag(*job)
    work_dir = osp.join(args.work_dir, tag)
    cfg_path = work_dir + '.py'
    build_config(method, knob, factor, seed, epochs, args.data_root,
                 args.quick).dump(cfg_path)
    ckpt = train(cfg_path, work_dir, epochs, args.amp, lock_fd)
    start, cpu = time.time(), _cpu_seconds()
    counts = load_checkpoint_file(ckpt)['meta']['dataset_meta'][
        'class_counts']
    counts = [int(c) for c in counts]
    res = dict(
        tag=tag, factor=factor, epochs=epochs, seed=seed, method=method,
        knob=None if knob is None else {KNOBS[method][0]: knob},
        amp=args.amp, counts=counts, many_thr=MANY_THR, few_thr=FEW_THR,
        date=time.strftime('%Y-%m-%d'), machine=machine(),
        code=code_version(),
        **evaluate(cfg_path, ckpt, method, counts, work_dir + '_eval',
                   args.taus))
    # training (every segment, from the ledger) + this evaluation
    res.update(TimeLedger(work_dir + '.time.json').totals())
    res['eval_seconds'] = round(time.time() - start, 1)
    res['seconds'] = round(res['train_seconds'] + res['eval_seconds'], 1)
    train_cpu = res['train_cpu_seconds']
    res['cpu_seconds'] = (None if train_cpu is None else
                          round(train_cpu + _cpu_seconds() - cpu, 1))
    os.makedirs(args.results_dir, exist_ok=True)
    write_json(res_file, res)
    print(f'{tag}: val balanced {res["raw"]["val"]["balanced"]:.2f}, '
          f'{res["seconds"]:.0f} s', flush=True)
    return res


def read_result(path: str, tag: str) -> dict:
    """Run ``tag``'s result file; a damaged one, or one of another run
    (renamed or copied), is an error naming the fix."""
    try:
        with open(path) as f:
            res = json.load(f)
        res['raw']['val']['balanced'], res['amp'], res['method']
    except (ValueError, KeyError, TypeError) as err:
        raise SystemExit(
            f'{path} is not a complete result file ({err!r}). Delete it: '
            'the next run re-evaluates the run from its checkpoint (or '
            'trains it again if the work dir is gone).') from None
    if res.get('tag') != tag:
        raise SystemExit(
            f'{path} holds the result of run {res.get("tag")!r}, not of '
            f'{tag!r} (renamed or copied?). Give it back its name '
            f'({res.get("tag")}.json) or delete it.')
    return res


def check_same_data(results: Dict[str, dict]) -> None:
    """Stop if the runs of one imbalance factor were trained on different
    class counts (another data root): their numbers cannot be compared."""
    seen: Dict[int, Tuple[list, str]] = {}
    for tag, res in sorted(results.items()):
        counts, first = res['counts'], seen.setdefault(
            res['factor'], (res['counts'], tag))
        if counts != first[0]:
            raise SystemExit(
                f'{first[1]} and {tag} were trained on different class '
                f'counts ({first[0]} and {counts}): keep the result files '
                'of one data root in --results-dir.')


def code_version() -> str:
    """The git commit of the code that ran (``-dirty`` with local edits),
    so every result file says which code produced it."""
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                                cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--',
                                'gala_mm', 'configs', 'tools'], cwd=ROOT,
                               capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return commit + ('-dirty' if dirty.strip() else '')


def machine() -> str:
    gpu = (f', GPU {torch.cuda.get_device_name(0)}'
           if torch.cuda.is_available() else '')
    return (f'{platform.machine()}, {os.cpu_count()} CPU cores, torch '
            f'{torch.__version__}, {torch.get_num_threads()} threads{gpu}')


# ----------------------------------------------------------------- choices
def chosen_tau(res: dict, rule: str) -> dict:
    """The grid row with the best validation balanced accuracy (the
    smallest tau on ties)."""
    return best_tau(res[rule], score=lambda row: row['val']['balanced'])


def row_result(res: dict, row: str) -> Tuple[dict, dict, Optional[float]]:
    """(val metrics, test metrics, tau) of a table row for one run."""
    rule = ROWS[row][1]
    if rule == 'raw':
        return res['raw']['val'], res['raw']['test'], None
    best = chosen_tau(res, rule)
    return best['val'], best['test'], best['tau']


def choose_knob(results: Dict[str, dict], row: str, factor: int,
                epochs: int, seed: int) -> Optional[float]:
    """The knob value of a row with the best seed-0 validation balanced
    accuracy, once every value of the grid has finished (else None)."""
    method = ROWS[row][0]
    if method not in KNOBS:
        return None
    scores = []
    for value in KNOBS[method][1]:
        res = results.get(run_tag(factor, epochs, seed, method, value))
        if res is None:
            return None
        scores.append((round(row_result(res, row)[0]['balanced'], 8),
                       -abs(value - KNOBS[method][1][0]), value))
    return max(scores)[2]


# ------------------------------------------------------------------ stages


def check_unlocked(args, jobs: Sequence[Job]) -> None:
    """Stop before any training if another process holds one of the
    unfinished runs (see :func:`run_lock`)."""
    for job in jobs:
        tag = run_tag(*job)
        if not osp.isfile(osp.join(args.results_dir, tag + '.json')):
            with run_lock(osp.join(args.work_dir, tag)):
                pass


def run_jobs(args, jobs: Sequence[Job],
             follow: Optional[Callable[[Dict[str, dict]], List[Job]]] = None
             ) -> Dict[str, dict]:
    """Run jobs in their order, ``args.jobs`` at a time (each its own
    process: a big machine trains several small runs at once); tag ->
    result of each finished one.

    ``follow(results so far)``, when given, is called whenever a run
    finishes and returns the jobs that can be queued now (after the others;
    one already queued is ignored): the next stage starts as soon as what
    it needs has finished, not when the last run of this stage has.
    """
    queued = list(dict.fromkeys(jobs))
    results: Dict[str, dict] = {}

    def finished(res: Optional[dict]) -> List[Job]:
        if res:
            results[res['tag']] = res
        new = [job for job in dict.fromkeys(follow(results) if follow else ())
               if job not in queued]
        if new and not args.report_only:
            check_unlocked(args, new)
        queued.extend(new)
        return new

    if not args.report_only:
        check_unlocked(args, queued)
    if args.jobs <= 1 or args.report_only:
        for job in queued:  # grows while it is walked
            finished(run_one(args, *job))
        return results
    # cores / jobs threads per run unless the user chose: more threads
    # than cores makes each run wait on the others' spinning threads
    # (2 runs x 2 threads on 2 cores train 2.5x slower than x 1)
    os.environ.setdefault(
        'OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // args.jobs)))
    stop = multiprocessing.get_context('spawn').Event()
    with start_pool(args.jobs, stop) as pool:
        pending = {pool.submit(run_queued, args, *job): job
                   for job in queued}
        job = None
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    follow_up = finished(future.result())
                    job = None
                    pending.update({pool.submit(run_queued, args, *new): new
                                    for new in follow_up})
        except BaseException as exc:
            stop_queued(stop, pending, job, exc)
            raise
    return results


def stop_queued(stop, pending, job: Optional[Job],
                exc: BaseException) -> None:
    """After ``job`` failed (or its result could not be used, or the user
    interrupted): start no queued run, and say so now rather than once the
    runs in progress have finished (the error is raised after them).

    Args:
        stop: the pool's stop event (see :func:`start_pool`).
        pending: futures of the runs queued or in progress.
        job (Job, optional): the run whose result raised ``exc``.
        exc (BaseException): what was raised.
    """
    stop.set()
    for future in pending:
        future.cancel()
    what = f'{run_tag(*job)} failed' if job else 'stopped'
    print(f'{what} ({type(exc).__name__}: {exc}). No queued run starts; '
          'the runs in progress finish first (to stop them now: kill '
          f'{os.getpid()}; they resume from their last epoch checkpoint).',
          file=sys.stderr, flush=True)


def default_knob(method: str) -> Optional[float]:
    return KNOBS[method][1][0] if method in KNOBS else None


def run_curve(args) -> Dict[str, dict]:
    return run_jobs(args, [(args.ifs[0], epochs, args.seeds[0], method,
                            default_knob(method))
                           for epochs in args.epochs
                           for method in ('ce', 'gala')])


def chosen_knob_jobs(results: Dict[str, dict], factor: int, epochs: int,
                     first: int, others: Sequence[int]) -> List[Job]:
    """The other seeds of the methods with a knob, with the knob chosen on
    seed ``first``'s validation split; for each method whose grid has
    finished (both knobs where its rows choose differently)."""
    check_same_data(results)
    jobs = []
    for seed in others:
        for method in (m for m in TRAINED if m in KNOBS):
            knobs = {choose_knob(results, row, factor, epochs, first)
                     for row, (m, _) in ROWS.items() if m == method}
            if None in knobs:  # seed 0's grid not finished
                continue
            jobs += [(factor, epochs, seed, method, knob)
                     for knob in sorted(knobs)]
    return jobs


def run_compare(args) -> Dict[str, dict]:
    results = {}
    epochs = args.epochs[0]
    for factor in args.ifs:
        first, others = args.seeds[0], args.seeds[1:]
        # Seed 0 of every method first (its default knob), then the rest
        # of the knob grids on seed 0, then the other seeds of the methods
        # without a knob (they need no choice: no core waits for the grids);
        # the other seeds of GCL and GALA are queued as soon as seed 0's
        # grid of the method has finished.
        jobs = [(factor, epochs, first, m, default_knob(m)) for m in TRAINED]
        jobs += [(factor, epochs, first, m, knob) for m in TRAINED
                 if m in KNOBS for knob in KNOBS[m][1][1:]]
        jobs += [(factor, epochs, seed, m, None) for seed in others
                 for m in TRAINED if m not in KNOBS]
        results.update(run_jobs(args, jobs, partial(
            chosen_knob_jobs, factor=factor, epochs=epochs, first=first,
            others=others)))
    return results


# ------------------------------------------------------------------ report
def paired_verdict(diffs: Sequence[float]) -> Tuple[str, float]:
    """'better' / 'worse' / 'not distinguishable at n seeds' from per-seed
    differences (paired t-test, two-sided, 5 %); and the t statistic."""
    d = np.asarray(diffs, dtype=np.float64)
    n = len(d)
    if n < 2:
        return f'not distinguishable at {n} seed', float('nan')
    sd = d.std(ddof=1)
    if sd == 0:
        t = math.copysign(math.inf, d.mean()) if d.mean() else 0.0
    else:
        t = d.mean() / (sd / math.sqrt(n))
    from scipy.stats import t as student_t
    crit = student_t.ppf(0.975, n - 1)
    if t > crit:
        return 'better', t
    if t < -crit:
        return 'worse', t
    return f'not distinguishable at {n} seeds', t


def row_runs(results: Dict[str, dict], row: str, factor: int, epochs: int,
             seeds: Sequence[int]) -> Dict[int, dict]:
    """seed -> run result of one table row (with its chosen knob)."""
    method = ROWS[row][0]
    knob = choose_knob(results, row, factor, epochs, seeds[0])
    if method in KNOBS and knob is None:
        return {}
    out = {}
    for seed in seeds:
        res = results.get(run_tag(factor, epochs, seed, method, knob))
        if res is not None:
            out[seed] = res
    return out


KEYS = ('top1', 'balanced', 'many', 'medium', 'few')


def _fmt(values: List[float]) -> str:
    """Mean ± sample std; a single value has no spread to show."""
    if not values:
        return 'n/a'
    v = np.asarray(values)
    if len(v) == 1:
        return f'{v[0]:.2f}'
    return f'{v.mean():.2f} ± {v.std(ddof=1):.2f}'


def compare_report(results: Dict[str, dict], factor: int, epochs: int,
                   seeds: Sequence[int]) -> List[str]:
    lines = [f'### IF{factor}, {epochs} epochs (many > {MANY_THR}, '
             f'few < {FEW_THR} training images)', '',
             '| method | chosen on val | seeds | ' + ' | '.join(KEYS) + ' |',
             '|' + '---|' * (len(KEYS) + 3)]
    per_seed = {}
    for row in ROWS:
        runs = row_runs(results, row, factor, epochs, seeds)
        if not runs:
            continue
        method = ROWS[row][0]
        knob = choose_knob(results, row, factor, epochs, seeds[0])
        cells, taus, bal = {k: [] for k in KEYS}, [], {}
        for seed, res in sorted(runs.items()):
            _, test, tau = row_result(res, row)
            for k in KEYS:
                if k in test:
                    cells[k].append(test[k])
            bal[seed] = test['balanced']
            if tau is not None:
                taus.append(f'{tau:g}')
        per_seed[row] = bal
        chosen = []
        if knob is not None:
            chosen.append(f'{KNOBS[method][0]}={knob:g}')
        if taus:
            chosen.append('τ ' + '/'.join(taus))
        lines.append(f'| {row} | {", ".join(chosen) or "-"} | {len(runs)} | '
                     + ' | '.join(_fmt(cells[k]) for k in KEYS) + ' |')
    lines += ['', '(test accuracy in %, mean ± sample std over the seeds)',
              '']
    lines += grid_edge_notes(results, factor, epochs, seeds)
    if per_seed:
        lines += ['Balanced test accuracy per seed:', '',
                  '| method | ' + ' | '.join(f'seed {s}' for s in seeds)
                  + ' |', '|' + '---|' * (len(seeds) + 1)]
        for row, bal in per_seed.items():
            lines.append(f'| {row} | ' + ' | '.join(
                f'{bal[s]:.2f}' if s in bal else '-' for s in seeds) + ' |')
        lines.append('')
    done = [r for r in BASELINES if len(per_seed.get(r, {})) == len(seeds)]
    if done:
        best = max(done, key=lambda r: np.mean(list(per_seed[r].values())))
        among = ('' if len(done) == len(BASELINES) else
                 f' of the {len(done)} of {len(BASELINES)} baselines '
                 'finished so far')
        lines.append(f'Best baseline{among} (highest mean balanced test '
                     f'accuracy): **{best}**.')
        for row in GALA_ROWS:
            if len(per_seed.get(row, {})) != len(seeds):
                continue
            diffs = [per_seed[row][s] - per_seed[best][s] for s in seeds]
            verdict, t = paired_verdict(diffs)
            lines.append(
                f'- {row} vs {best}: per-seed differences '
                + ', '.join(f'{d:+.2f}' for d in diffs)
                + f' (mean {np.mean(diffs):+.2f}, paired t = {t:.2f}): '
                f'**{verdict}**.')
        lines.append('')
        lines += paired_table(per_seed, done, seeds)
    missing = [r for r in ROWS if len(per_seed.get(r, {})) < len(seeds)]
    if missing:
        lines += [f'Not finished yet: {", ".join(missing)}.', '']
    return lines


def grid_edge_notes(results: Dict[str, dict], factor: int, epochs: int,
                    seeds: Sequence[int]) -> List[str]:
    """A line for each choice made at the edge of its grid (a knob at
    either end, tau at the top): there, a wider grid might do better."""
    notes = []
    for row, (method, rule) in ROWS.items():
        knob = choose_knob(results, row, factor, epochs, seeds[0])
        if knob is not None and knob in (min(KNOBS[method][1]),
                                         max(KNOBS[method][1])):
            notes.append(f'{row}: {KNOBS[method][0]}={knob:g} is at the '
                         f'edge of its grid {KNOBS[method][1]}')
        for seed, res in sorted(row_runs(results, row, factor, epochs,
                                         seeds).items()):
            tau = row_result(res, row)[2]
            if tau is not None and tau > 0 and tau == max(
                    r['tau'] for r in res[rule]):
                notes.append(f'{row}: seed {seed} chose τ {tau:g}, the '
                             'top of its grid')
    if not notes:
        return []
    return (['Chosen at the edge of a grid (a wider grid might do '
             'better):', ''] + [f'- {n}' for n in notes] + [''])


def paired_table(per_seed: Dict[str, Dict[int, float]],
                 baselines: Sequence[str], seeds: Sequence[int]) -> List[str]:
    """GALA's rows against every baseline with all seeds: the mean
    per-seed difference of balanced test accuracy, paired t and verdict."""
    rows = [r for r in GALA_ROWS if len(per_seed.get(r, {})) == len(seeds)]
    if not rows:
        return []
    lines = ['Against every baseline (mean per-seed difference of balanced '
             'test accuracy, paired t, verdict):', '',
             '| baseline | ' + ' | '.join(rows) + ' |',
             '|' + '---|' * (len(rows) + 1)]
    for base in baselines:
        cells = []
        for row in rows:
            diffs = [per_seed[row][s] - per_seed[base][s] for s in seeds]
            verdict, t = paired_verdict(diffs)
            cells.append(f'{np.mean(diffs):+.2f} (t = {t:.2f}, {verdict})')
        lines.append(f'| {base} | ' + ' | '.join(cells) + ' |')
    return lines + ['']


def curve_report(results: Dict[str, dict], args) -> tuple:
    lines = [f'### Learning curve: IF{args.ifs[0]}, seed {args.seeds[0]}, '
             'balanced accuracy on the validation split', '',
             '| epochs | CE | GALA | GALA + PRS (val τ) |',
             '|---|---|---|---|']
    curve = {}
    for epochs in args.epochs:
        cells = []
        for row in ('CE', 'GALA', 'GALA + PRS'):
            method = ROWS[row][0]
            knob = default_knob(method)
            res = results.get(run_tag(args.ifs[0], epochs, args.seeds[0],
                                      method, knob))
            if res is None:
                cells.append('-')
                continue
            val, _, tau = row_result(res, row)
            curve.setdefault(row, {})[epochs] = val['balanced']
            cells.append(f'{val["balanced"]:.2f}' +
                         (f' (τ {tau:g})' if tau is not None else ''))
        lines.append(f'| {epochs} | ' + ' | '.join(cells) + ' |')
    lines.append('')
    pick = plateau(curve, args.epochs)
    if pick is not None:
        lines.append(f'Plateau: the longer run adds < 1 point for CE and '
                     f'GALA from **{pick} epochs** on (at least 12).')
    lines.append('')
    return lines, curve


def plateau(curve: Dict[str, Dict[int, float]],
            epochs: Sequence[int], min_epochs: int = 12) -> Optional[int]:
    """The shortest length whose next (longer) run adds < 1 point of
    validation balanced accuracy for both CE and GALA, at least
    ``min_epochs``."""
    grid = sorted(epochs)
    for short, long in zip(grid, grid[1:]):
        gains = [curve.get(r, {}).get(long, math.nan) -
                 curve.get(r, {}).get(short, math.nan)
                 for r in ('CE', 'GALA')]
        if any(math.isnan(g) for g in gains):
            return None
        if all(g < 1.0 for g in gains):
            return short if short >= min_epochs else next(
                (e for e in grid if e >= min_epochs), None)
    return None


def plot_curve(curve: Dict[str, Dict[int, float]], path: str) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import ScalarFormatter
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    for row, points in curve.items():
        xs = sorted(points)
        ax.plot(xs, [points[x] for x in xs], marker='o', label=row)
    ax.set_xscale('log', base=2)
    ax.set_xticks(sorted({x for p in curve.values() for x in p}))
    ax.get_xaxis().set_major_formatter(ScalarFormatter())
    ax.set_xlabel('epochs (full schedule each)')
    ax.set_ylabel('balanced val accuracy (%)')
    ax.grid(alpha=0.3)
    ax.legend(loc='center left', bbox_to_anchor=(1.02, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_compare(results, factor, epochs, seeds, path) -> bool:
    from gala_mm.visualization import plot_per_class_accuracy
    runs, counts = {}, None
    for row in ('CE', 'Balanced Softmax', 'GALA', 'GALA + PRS'):
        res = row_runs(results, row, factor, epochs, seeds).get(seeds[0])
        if res is None:
            continue
        runs[row] = np.array(row_result(res, row)[1]['per_class'])
        counts = res['counts']
    if not runs:
        return False
    fig = plot_per_class_accuracy(
        runs, counts, MANY_THR, FEW_THR,
        title=f'Fashion-MNIST-LT IF{factor}, {epochs} epochs, seed '
        f'{seeds[0]}')
    fig.savefig(path, dpi=110)
    return True


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('stage', choices=['curve', 'compare'])
    parser.add_argument('--epochs', type=int, nargs='+',
                        help='curve: the lengths (default 8 16 32); '
                        'compare: the one length (default 64: where the '
                        'IF100 learning curve plateaus, docs/benchmarks.md)')
    parser.add_argument('--ifs', type=int, nargs='+', default=[100])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/bench_accuracy',
                        help='checkpoints and logs (not committed)')
    parser.add_argument('--results-dir',
                        help='one JSON file per finished run (commit them); '
                        f'default {osp.relpath(RESULTS, ROOT)}, with --quick '
                        'WORK_DIR/results')
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--no-amp', dest='amp', action='store_false',
                        help='train in fp32 (default: --amp, bf16 on CPU)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs trained at once (default 1; on a GPU '
                        'machine with many cores several small runs share '
                        'the GPU); each gets cores / JOBS threads unless '
                        'OMP_NUM_THREADS is set')
    parser.add_argument('--report-only', action='store_true',
                        help='only write the report of the finished runs')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: IF100, seed 0, 1 epoch, 400 images '
                        'of the head class, 2000 test images')
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = [8, 16, 32] if args.stage == 'curve' else [64]
    if args.stage == 'compare' and len(args.epochs) != 1:
        parser.error('compare takes one --epochs value')
    args.taus = TAUS
    if args.quick:
        args.ifs, args.seeds = [100], [0]
        args.epochs = [1, 2] if args.stage == 'curve' else [1]
        args.taus = [0.0, 1.0, 2.0]
    if args.results_dir is None:
        args.results_dir = (osp.join(args.work_dir, 'results')
                            if args.quick else RESULTS)
    return args


def time_summary(runs: Sequence[dict]) -> str:
    """The finished runs' total CPU and wall time, saying how many of them
    lack the time of earlier training sessions (a lower bound then)."""
    cpu = [r['cpu_seconds'] for r in runs
           if r.get('cpu_seconds') is not None]
    wall = sum(r['seconds'] for r in runs)
    resumed = [r for r in runs if r.get('time_complete') is False]
    unledgered = [r for r in runs if 'time_complete' not in r]
    text = (f'finished runs: {len(runs)}; their total CPU time '
            f'{sum(cpu) / 3600:.2f} h, wall {wall / 3600:.2f} h')
    if len(cpu) < len(runs):
        text += f' (CPU time unknown for {len(runs) - len(cpu)})'
    if resumed:
        text += (f'; {len(resumed)} resumed a run begun before the time '
                 'ledger: their time is a lower bound')
    if unledgered:
        text += (f'; {len(unledgered)} written before the time ledger '
                 'count the session that finished them (a lower bound '
                 'if it resumed the run)')
    return text


def tally(values: Sequence[str]) -> str:
    """``'a (2 runs); b (1 run)'``, most frequent first."""
    counts = sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
    return '; '.join(f'{v} ({n} run{"s" * (n > 1)})' for v, n in counts)


def provenance(results: Sequence[dict]) -> List[str]:
    """How the reported runs were made, as their result files record it
    (not as this invocation was called: runs are made over sessions)."""
    results = list(results)
    if not results:
        return ['no finished runs']

    def recorded(key: str) -> List:
        return [r.get(key, 'unrecorded') for r in results]

    return ['- machine: ' + tally(recorded('machine')),
            '- training: ' + tally([PRECISION.get(amp, 'unrecorded')
                                    for amp in recorded('amp')]),
            '- code (of the result): ' + tally(recorded('code')),
            '- code of the training segments: ' + tally([
                ' → '.join(r.get('train_code', ['unrecorded']))
                for r in results])]


def main(argv=None):
    ignore_known_warnings()
    args = parse_args(argv)
    if args.quick:
        global KNOBS
        KNOBS = {k: (name, grid[:2]) for k, (name, grid) in KNOBS.items()}
    start = time.time()
    results = (run_curve if args.stage == 'curve' else run_compare)(args)
    check_same_data(results)
    os.makedirs(args.work_dir, exist_ok=True)
    lines = [f'# Fashion-MNIST-LT accuracy: {args.stage} '
             f'({time.strftime("%Y-%m-%d")})', '',
             *provenance(results.values()), '']
    if args.stage == 'curve':
        body, curve = curve_report(results, args)
        lines += body
        if curve:
            path = osp.join(args.work_dir, 'learning_curve.png')
            plot_curve(curve, path)
            lines.append(f'plot: {path}')
    else:
        for factor in args.ifs:
            lines += compare_report(results, factor, args.epochs[0],
                                    args.seeds)
            path = osp.join(args.work_dir, f'per_class_if{factor}.png')
            if plot_compare(results, factor, args.epochs[0], args.seeds,
                            path):
                lines.append(f'plot: {path}')
    lines += ['', time_summary(list(results.values())) + f'; this '
              f'invocation {time.time() - start:.0f} s']
    report = '\n'.join(lines)
    with open(osp.join(args.work_dir, f'report_{args.stage}.md'), 'w') as f:
        f.write(report + '\n')
    print(report)
    return results


if __name__ == '__main__':
    main()
