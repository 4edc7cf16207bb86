# Copyright (c) gala-mm contributors. All rights reserved.
"""The accuracy benchmark's records: the time ledger (the CPU and wall time
of a run resumed across sessions, or killed, counts every training segment)
and the result files (whole or not at all; a damaged one names the fix)."""
import importlib.util
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ..conftest import REPO

BENCH = osp.join(REPO, 'tools/benchmark/long_tail_accuracy.py')
# a process that keeps one core busy for `s` seconds
BUSY = ('import time\nt = time.process_time()\n'
        'while time.process_time() - t < {s}: pass\n')


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('long_tail_accuracy', BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def busy(seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, '-c', BUSY.format(s=seconds)])


def test_segments_add_up(bench, tmp_path):
    path = str(tmp_path / 'run.time.json')
    ledger = bench.TimeLedger(path, period=0.2)
    assert ledger.track(busy(1.0), resumed=False) == 0
    # a second session resumes the run: a new ledger object, same file
    ledger = bench.TimeLedger(path, period=0.2)
    assert ledger.track(busy(0.5), resumed=True) == 0
    totals = bench.TimeLedger(path).totals()
    assert totals['segments'] == 2 and totals['time_complete']
    # the busy loops' CPU (plus interpreter start-up), both segments
    assert 1.5 <= totals['train_cpu_seconds'] < 6
    assert totals['train_seconds'] >= totals['train_cpu_seconds'] - 0.5
    # a ledger begun by a resumed segment misses the earlier ones
    other = str(tmp_path / 'other.time.json')
    bench.TimeLedger(other, period=0.2).track(busy(0.1), resumed=True)
    assert not bench.TimeLedger(other).totals()['time_complete']
    # a damaged ledger: warned, a new one (incomplete if the run resumes)
    (tmp_path / 'bad.time.json').write_text('{"segm')
    bad = bench.TimeLedger(str(tmp_path / 'bad.time.json'), period=0.2)
    bad.track(busy(0.1), resumed=True)
    assert bad.totals()['segments'] == 1
    assert not bad.totals()['time_complete']
    # a run started again from scratch forgets the old segments
    assert bench.TimeLedger(path, fresh=True).totals()['segments'] == 0


def test_ledger_records_the_code_of_each_segment(bench, tmp_path):
    path = str(tmp_path / 'run.time.json')
    for code in (None, 'aaa', 'aaa', 'bbb'):  # None: from an older ledger
        info = {} if code is None else dict(code=code)
        bench.TimeLedger(path, period=0.2).track(busy(0.05), False, **info)
    assert bench.TimeLedger(path).totals()['train_code'] == [
        'unrecorded', 'aaa', 'bbb']


def test_failed_training_is_recorded(bench, tmp_path):
    path = str(tmp_path / 'run.time.json')
    proc = subprocess.Popen([sys.executable, '-c', 'raise SystemExit(3)'])
    assert bench.TimeLedger(path, period=0.2).track(proc, False) == 3
    assert bench.TimeLedger(path).totals()['segments'] == 1


@pytest.mark.slow  # starts interpreters
@pytest.mark.skipif(not osp.isdir('/proc'), reason='Linux /proc')
def test_tree_cpu_counts_the_workers(bench, tmp_path):
    # the parent sleeps, its child (a dataloader worker) works; the child
    # says when it has used 1 s of CPU (however long that takes here)
    flag = tmp_path / 'one_cpu_second'
    child = ('import time\nt = time.process_time()\n'
             'while time.process_time() - t < 1.05: pass\n'
             f'open({str(flag)!r}, "w").close()\n'
             'while time.process_time() - t < 60: pass\n')
    code = ('import subprocess, sys, time\n'
            f'subprocess.Popen([sys.executable, "-c", {child!r}])'
            '\ntime.sleep(600)\n')
    proc = subprocess.Popen([sys.executable, '-c', code])
    try:
        deadline = time.time() + 300
        while not flag.exists():
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.1)
        cpu = bench.tree_cpu_seconds(proc.pid)
        assert cpu is not None and cpu >= 1.0
    finally:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait()
    assert bench.tree_cpu_seconds(10 ** 9) is None  # no such process


def _children(pid: int):
    out = subprocess.run(['pgrep', '-P', str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.slow  # starts interpreters
def test_sigkill_keeps_the_time_so_far(tmp_path):
    """The session ends with SIGKILL: the ledger keeps what was measured
    up to its last write (``period`` seconds at most are lost)."""
    path = str(tmp_path / 'run.time.json')
    script = tmp_path / 'track.py'
    script.write_text(textwrap.dedent(f'''
        import importlib.util, subprocess, sys
        spec = importlib.util.spec_from_file_location('b', {BENCH!r})
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        child = subprocess.Popen([sys.executable, '-c', {BUSY.format(s=60)!r}])
        print(child.pid, flush=True)
        bench.TimeLedger({path!r}, period=0.3).track(child, False)
    '''))
    tracker = subprocess.Popen([sys.executable, str(script)],
                               stdout=subprocess.PIPE, text=True)
    child = int(tracker.stdout.readline())

    def segment():
        try:
            with open(path) as f:
                return json.load(f)['segments'][0]
        except (OSError, ValueError, KeyError, IndexError):
            return None  # not written yet (or mid-replace)

    try:  # until the ledger has recorded some work, however slow that is
        deadline = time.time() + 300
        while not ((segment() or {}).get('cpu', 0) >= 0.5
                   and segment()['wall'] >= 1.0):
            assert time.time() < deadline and tracker.poll() is None
            time.sleep(0.1)
        tracker.send_signal(signal.SIGKILL)
        tracker.wait()
    finally:
        os.kill(child, signal.SIGKILL)
    seg = segment()
    assert seg['wall'] >= 1.0 and seg['cpu'] >= 0.5 and not seg['resumed']


def test_time_summary(bench):
    runs = [dict(tag='a', seconds=3600, cpu_seconds=7200.0,
                 time_complete=True),
            dict(tag='b', seconds=1800, cpu_seconds=1800.0,
                 time_complete=False),
            dict(tag='c', seconds=1800, cpu_seconds=3600.0)]
    text = bench.time_summary(runs)
    assert 'total CPU time 3.50 h, wall 2.00 h' in text
    assert '1 resumed a run begun before the time ledger' in text
    assert '1 written before the time ledger' in text
    text = bench.time_summary(runs[:1])
    assert 'lower bound' not in text


def test_damaged_result_file_names_the_fix(bench, tmp_path):
    results = tmp_path / 'results'
    results.mkdir()
    tag = bench.run_tag(100, 64, 0, 'ce', None)
    # a torn file, as a write killed half-way would leave
    (results / f'{tag}.json').write_text('{"tag": "' + tag + '", "raw": {')
    argv = ['compare', '--epochs', '64', '--report-only', '--results-dir',
            str(results), '--work-dir', str(tmp_path / 'work')]
    with pytest.raises(SystemExit) as err:
        bench.main(argv)
    assert f'{tag}.json is not a complete result file' in str(err.value)
    assert 'Delete it' in str(err.value)
    # valid JSON without the metrics is damaged too
    (results / f'{tag}.json').write_text('{"tag": "x"}')
    with pytest.raises(SystemExit, match='not a complete result file'):
        bench.main(argv)
    # and without its method (which says how it is evaluated)
    (results / f'{tag}.json').write_text(json.dumps(dict(
        tag=tag, amp=True, raw=dict(val=dict(balanced=80.0)))))
    with pytest.raises(SystemExit, match="complete result file.*'method'"):
        bench.main(argv)
    # once deleted, the report runs (0 runs finished)
    (results / f'{tag}.json').unlink()
    assert bench.main(argv) == {}


def test_results_of_other_runs_or_data_are_refused(bench, tmp_path):
    """A result file under another run's name, runs of one factor trained
    on other class counts (another data root), a run grouped with other
    shot thresholds: one error naming the fix, not a table."""
    results = tmp_path / 'results'
    results.mkdir()
    argv = ['compare', '--epochs', '64', '--report-only', '--results-dir',
            str(results), '--work-dir', str(tmp_path / 'work')]
    metrics = dict(balanced=80.0, per_class=[80.0, 80.0])

    def write(seed, method, counts, many=bench.MANY_THR, name=None):
        tag = bench.run_tag(100, 64, seed, method, None)
        res = dict(tag=tag, factor=100, method=method, counts=counts,
                   many_thr=many, few_thr=bench.FEW_THR, amp=True, seconds=1.0,
                   cpu_seconds=1.0, raw=dict(val=metrics, test=metrics))
        (results / f'{name or tag}.json').write_text(json.dumps(res))

    write(0, 'bs', [5000, 50])
    write(0, 'ldam_drw', [5000, 50],
          name=bench.run_tag(100, 64, 1, 'bs', None))
    with pytest.raises(SystemExit, match=r"holds the result of run "
                       r"'if100_e64_s0_ldam_drw', not of "
                       r"'if100_e64_s1_bs'"):
        bench.main(argv)
    (results / 'if100_e64_s1_bs.json').unlink()
    write(1, 'bs', [5000, 60])
    with pytest.raises(SystemExit, match=r'if100_e64_s0_bs and '
                       r'if100_e64_s1_bs were trained on different class '
                       r'counts \(\[5000, 50\] and \[5000, 60\]\)'):
        bench.main(argv)
    write(1, 'bs', [5000, 50], many=bench.MANY_THR + 1)
    with pytest.raises(SystemExit, match=(
            f'if100_e64_s1_bs.json was evaluated otherwise \\(many > '
            f'{bench.MANY_THR + 1}, few < {bench.FEW_THR}\\) than now '
            f'\\(many > {bench.MANY_THR}, few')):
        bench.main(argv)
    write(1, 'bs', [5000, 50])
    assert set(bench.main(argv)) == {'if100_e64_s0_bs', 'if100_e64_s1_bs'}
    # trained in bf16: a --no-amp benchmark does not take them as its own
    with pytest.raises(SystemExit, match=r'if100_e64_s0_bs.json was trained '
                       r'in bf16 \(--amp\), this benchmark trains in fp32'):
        bench.main(argv + ['--no-amp'])


def test_one_run_is_trained_in_one_precision(bench, tmp_path):
    """Resuming a bf16 run in fp32 (or back) stops before training: the
    precision of each training segment is in the run's time ledger."""
    work_dir = tmp_path / 'if100_e64_s0_ce'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_3.pth'))
    ledger = bench.TimeLedger(str(work_dir) + '.time.json', period=0.2)
    assert ledger.track(busy(0.1), resumed=False, amp=True) == 0
    assert ledger.segments[0]['amp'] is True
    with pytest.raises(SystemExit, match=r'was trained in bf16 \(--amp\) so '
                       r'far, this run asks for fp32 \(--no-amp\)'):
        bench.train('no_such_config.py', str(work_dir), 64, amp=False)
    assert not (tmp_path / 'if100_e64_s0_ce.log').exists()  # not started


def test_spread_needs_two_seeds(bench):
    assert bench._fmt([]) == 'n/a'
    assert bench._fmt([87.5]) == '87.50'  # not '87.50 ± 0.00'
    # sample std (ddof = 1) of 1, 2, 3 is 1
    assert bench._fmt([1.0, 2.0, 3.0]) == '2.00 ± 1.00'


def _run(bench, method, seed, knob, test, val=70.0, rule=None, grid=()):
    """A result file's content: raw val/test balanced accuracy and, for
    a post-hoc rule, its tau grid as (tau, val, test) triples."""
    res = dict(tag=bench.run_tag(100, 64, seed, method, knob),
               raw=dict(val=dict(balanced=val), test=dict(balanced=test)))
    if rule:
        res[rule] = [dict(tau=t, val=dict(balanced=v),
                          test=dict(balanced=x)) for t, v, x in grid]
    return res


def test_compare_report_three_seeds(bench):
    # Balanced test accuracy of seeds 0, 1, 2, written out by hand.
    runs = []
    for s, (ce, la, bs, ldam, gcl, gala, prs) in enumerate([
            (80, 84, 85, 87, 84.0, 86.0, 88.0),
            (81, 85, 86, 86, 84.5, 86.5, 88.5),
            (82, 86, 87, 89, 85.0, 88.0, 90.5)]):
        runs += [_run(bench, 'ce', s, None, ce, rule='la',
                      grid=[(0.0, 70, ce), (1.0, 75, la)]),
                 _run(bench, 'bs', s, None, bs),
                 _run(bench, 'ldam_drw', s, None, ldam),
                 _run(bench, 'gcl', s, 0.25, gcl, val=72),
                 _run(bench, 'gala', s, 1.5, gala, val=73, rule='prs',
                      grid=[(0.0, 73, gala), (2.0, 74, prs)])]
    # seed 0's grids: GCL 0.25 and GALA 1.5 have the best val accuracy;
    # the other knobs' test accuracy (99) is the best: it must not count
    runs += [_run(bench, 'gcl', 0, k, 99.0, val=70)
             for k in bench.KNOBS['gcl'][1] if k != 0.25]
    runs += [_run(bench, 'gala', 0, k, 99.0, val=v, rule='prs',
                  grid=[(0.0, v, 99.0), (1.0, v + 0.5, 99.0)])
             for k, v in zip([k for k in bench.KNOBS['gala'][1] if k != 1.5],
                             (70, 70.5, 71, 71.5, 72, 72.5))]
    report = '\n'.join(bench.compare_report(
        {r['tag']: r for r in runs}, 100, 64, [0, 1, 2]))
    assert '| GCL | noise_mul=0.25 | 3 |' in report
    assert '| GALA + PRS | lambda_pos=1.5, τ 2/2/2 | 3 |' in report
    assert '| LA post-hoc | τ 1/1/1 | 3 | n/a | 85.00 ± 1.00 |' in report
    # LDAM-DRW has the best mean (87.33)
    assert 'accuracy): **LDAM-DRW**.' in report
    # GALA - LDAM-DRW = -1, +0.5, -1: mean -0.5, sd 0.866, t = -1.00
    assert ('- GALA vs LDAM-DRW: per-seed differences -1.00, +0.50, -1.00 '
            '(mean -0.50, paired t = -1.00): **not distinguishable at 3 '
            'seeds**.') in report
    # GALA - CE = 6, 5.5, 6: sd 0.2887, t = 5.8333 / (0.2887 / 3 ** .5) = 35;
    # GALA + PRS - CE = 8, 7.5, 8.5: sd 0.5, t = 8 / (0.5 / 3 ** .5) = 27.71
    assert ('| CE | +5.83 (t = 35.00, better) | +8.00 (t = 27.71, better) |'
            in report)
    # GALA + PRS - LDAM-DRW = 1, 2.5, 1.5: sd 0.7638, t = 3.78 < 4.303
    assert ('| LDAM-DRW | -0.50 (t = -1.00, not distinguishable at 3 seeds)'
            ' | +1.67 (t = 3.78, not distinguishable at 3 seeds) |'
            in report)
    assert 'Not finished yet' not in report
    # choices at the edge of their grids are pointed out
    assert '- GALA: lambda_pos=1.5 is at the edge of its grid' in report
    assert '- GCL: noise_mul=0.25 is at the edge of its grid' in report
    assert '- GALA + PRS: seed 2 chose τ 2, the top of its grid' in report
    assert 'CE: seed' not in report  # raw rows choose no tau


def test_inner_choices_are_not_flagged(bench):
    # knob in the middle of its grid, tau inside its grid (or 0)
    runs = [_run(bench, 'gcl', 0, k, 90.0, val=72 if k == 0.5 else 70)
            for k in bench.KNOBS['gcl'][1]]
    runs += [_run(bench, 'ce', 0, None, 80.0, rule='la',
                  grid=[(0.0, 70, 80), (1.0, 75, 84), (2.0, 74, 83)])]
    report = '\n'.join(bench.compare_report(
        {r['tag']: r for r in runs}, 100, 64, [0, 1, 2]))
    assert '| GCL | noise_mul=0.5 | 1 |' in report
    assert '| LA post-hoc | τ 1 | 1 |' in report
    assert 'edge' not in report


def test_report_says_how_the_runs_were_made(bench):
    """The report's header comes from the result files (runs are made over
    sessions, with other settings than the report's own invocation)."""
    runs = [dict(machine='cpu, 1 threads', amp=True, code='aaa',
                 train_code=['aaa']),
            dict(machine='cpu, 2 threads', amp=True, code='bbb',
                 train_code=['unrecorded', 'aaa', 'bbb']),
            dict(machine='cpu, 1 threads', amp=False),
            dict(machine='cpu, 1 threads', amp=True, code='aaa')]
    assert bench.provenance(runs) == [
        '- machine: cpu, 1 threads (3 runs); cpu, 2 threads (1 run)',
        '- training: bf16 (--amp) (3 runs); fp32 (--no-amp) (1 run)',
        '- code (of the result): aaa (2 runs); bbb (1 run); unrecorded '
        '(1 run)',
        '- code of the training segments: unrecorded (2 runs); aaa (1 run); '
        'unrecorded → aaa → bbb (1 run)']
    assert bench.provenance([]) == ['no finished runs']


def test_compare_schedule(bench, monkeypatch):
    """Seed 0 and its knob grids first, then the other seeds of the
    methods without a knob (no core waits for the grids), then the other
    seeds of GCL and GALA with the knobs chosen on seed 0's validation
    split: both lambdas where GALA and GALA + PRS choose differently."""
    # seed-0 validation accuracy: GALA raw best at 0.9, with PRS at 1.5;
    # GCL best at 1.0
    val = {('gala', 0.9): 80.0, ('gala', 1.5): 70.0, ('gcl', 1.0): 75.0}
    prs = {('gala', 1.5): 85.0}
    calls = []

    def fake_run_jobs(args, jobs, follow):
        calls.append(list(jobs))
        out = {}
        for job in jobs:
            key = job[3:]
            metrics = dict(balanced=val.get(key, 60.0))
            out[bench.run_tag(*job)] = dict(
                factor=100, counts=[9, 1], many_thr=bench.MANY_THR,
                few_thr=bench.FEW_THR, raw=dict(val=metrics, test=metrics),
                prs=[dict(tau=1.0, val=dict(balanced=prs.get(key, 61.0)),
                          test=metrics)])
        calls.append(follow(out))
        return out

    monkeypatch.setattr(bench, 'run_jobs', fake_run_jobs)
    from argparse import Namespace
    bench.run_compare(Namespace(ifs=[100], epochs=[64], seeds=[0, 1, 2]))
    first, second = calls
    grids = [(100, 64, 0, m, k) for m in bench.TRAINED
             for k in dict(bench.KNOBS).get(m, (None, [None]))[1]]
    n = len(grids)
    assert sorted(first[:n], key=str) == sorted(grids, key=str)
    assert first[:5] == [(100, 64, 0, m, bench.default_knob(m))
                         for m in bench.TRAINED]
    assert first[n:] == [(100, 64, s, m, None) for s in (1, 2)
                         for m in ('ce', 'bs', 'ldam_drw')]
    assert second == [(100, 64, s, m, k) for s in (1, 2)
                      for m, k in (('gcl', 1.0), ('gala', 0.9),
                                   ('gala', 1.5))]


def test_follow_up_jobs_start_while_the_stage_runs(bench, tmp_path,
                                                   monkeypatch):
    """run_jobs queues ``follow``'s jobs when a run finishes, so the next
    stage starts beside a long run of this one instead of after it (a core
    idled for a whole run before): here the follow-up must start while the
    stage's slow run is still going."""
    import threading
    from argparse import Namespace
    from concurrent.futures import ThreadPoolExecutor
    follow_started = threading.Event()
    order = []

    def fake_run_one(args, factor, epochs, seed, method, knob):
        order.append(method)
        if method == 'slow':  # finishes only once the follow-up started
            assert follow_started.wait(30), 'follow-up waited for the stage'
        if method == 'next':
            follow_started.set()
        return dict(tag=method)

    monkeypatch.setattr(bench, 'run_one', fake_run_one)
    monkeypatch.setattr(bench, 'start_pool',
                        lambda jobs, stop: ThreadPoolExecutor(jobs))
    checked = []  # the follow-up is checked for other holders too
    monkeypatch.setattr(bench, 'check_unlocked',
                        lambda args, jobs: checked.extend(jobs))
    args = Namespace(report_only=False, jobs=2)
    jobs = [(100, 1, 0, 'slow', None), (100, 1, 0, 'fast', None)]

    def follow(results):
        return [(100, 1, 0, 'next', None)] * ('fast' in results)

    for args.jobs in (2, 1):
        order.clear()
        checked.clear()
        follow_started.clear()
        if args.jobs == 1:  # one at a time: in the queue's order
            follow_started.set()
        assert set(bench.run_jobs(args, jobs, follow)) == {
            'slow', 'fast', 'next'}
        assert sorted(order) == ['fast', 'next', 'slow']
        assert [job[3] for job in checked] == ['slow', 'fast', 'next']
        if args.jobs == 1:
            assert order == ['slow', 'fast', 'next']


def test_a_failed_run_stops_the_queue(bench, monkeypatch, capsys):
    """With --jobs 2, a failing run is reported at once and no queued run
    starts after it; the run in progress finishes (its training is kept),
    then the error is raised. Unchecked, the pool would train every queued
    run (hours) before the error surfaced. The fake pool's futures cannot be
    cancelled, as a process pool's runs handed to a worker ahead of time
    cannot, and the benchmark process sees the failure late: the failing
    worker must stop the pool, and every worker check it."""
    from argparse import Namespace
    from concurrent.futures import ThreadPoolExecutor, wait
    started = []

    class UncancellablePool(ThreadPoolExecutor):
        def submit(self, fn, *args):
            future = super().submit(fn, *args)
            future.cancel = lambda: False
            return future

    def fake_pool(jobs, stop):
        monkeypatch.setattr(bench, '_STOP', stop)  # the workers' global
        return UncancellablePool(jobs)

    def fake_run_one(args, factor, epochs, seed, method, knob):
        started.append(method)
        if method == 'broken':
            raise SystemExit('broken config: fix it')
        # in progress when 'broken' fails: finishes after the stop
        assert bench._STOP.wait(30), 'the failure was not seen'
        return dict(tag=method)

    def late_wait(*args, **kwargs):  # the benchmark process sees the
        time.sleep(0.3)  # failure late: its worker must stop the pool
        return wait(*args, **kwargs)

    monkeypatch.setattr(bench, 'run_one', fake_run_one)
    monkeypatch.setattr(bench, 'start_pool', fake_pool)
    monkeypatch.setattr(bench, 'wait', late_wait)
    monkeypatch.setattr(bench, 'check_unlocked', lambda args, jobs: None)
    jobs = [(100, 1, 0, m, None) for m in ('slow', 'broken', 'a', 'b', 'c')]
    with pytest.raises(SystemExit, match='broken config'):
        bench.run_jobs(Namespace(report_only=False, jobs=2), jobs)
    assert sorted(started) == ['broken', 'slow']
    err = capsys.readouterr().err
    assert ('if100_e1_s0_broken failed (SystemExit: broken config: fix it)'
            '. No queued run starts') in err


def test_a_result_lacking_a_rule_of_its_rows_is_evaluated_again(bench):
    """A run counts as evaluated as now only if it has every post-hoc rule
    the table applies to its method, each on the τ grid of now."""
    taus = [0.0, 1.0]
    thr = dict(many_thr=bench.MANY_THR, few_thr=bench.FEW_THR)
    grid = [dict(tau=t) for t in taus]
    assert bench.same_evaluation(dict(method='gala', prs=grid, **thr), taus)
    assert bench.same_evaluation(dict(method='bs', **thr), taus)
    assert not bench.same_evaluation(dict(method='gala', **thr), taus)
    assert not bench.same_evaluation(dict(method='ce', prs=grid, **thr),
                                     taus)
    assert not bench.same_evaluation(
        dict(method='gala', prs=grid[:1], **thr), taus)


@pytest.mark.slow  # starts interpreters
def test_one_run_one_process(bench, tmp_path):
    """A second benchmark process on a run being trained is one error
    naming the first; the lock goes with its holder, even on SIGKILL, and
    the training process (inheriting it) keeps it if its parent dies."""
    work_dir = str(tmp_path / 'if100_e64_s0_ce')
    with bench.run_lock(work_dir):
        with pytest.raises(SystemExit, match=rf'another process \(pid '
                           rf'{os.getpid()}\) is training or evaluating'):
            with bench.run_lock(work_dir):
                pass
    with bench.run_lock(work_dir) as fd:  # released: free again
        child = subprocess.Popen([sys.executable, '-c', BUSY.format(s=60)],
                                 pass_fds=(fd, ))
    try:  # the parent let go; the child holds the inherited lock
        with pytest.raises(SystemExit, match='another process'):
            with bench.run_lock(work_dir):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with bench.run_lock(work_dir):
        pass
    # a holder killed with SIGKILL leaves no stale lock
    holder = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f'''
        import importlib.util, time
        spec = importlib.util.spec_from_file_location('b', {BENCH!r})
        b = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(b)
        with b.run_lock({work_dir!r}):
            print('locked', flush=True)
            time.sleep(60)
        ''')], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == 'locked'
    with pytest.raises(SystemExit, match=f'pid {holder.pid}'):
        with bench.run_lock(work_dir):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with bench.run_lock(work_dir):
        pass


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped, does not)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rpartition(')')[2].split()[0] not in 'ZXx'
    except OSError:
        return False


@pytest.mark.slow  # starts interpreters
@pytest.mark.skipif(not osp.isdir('/proc/self'), reason='needs Linux /proc')
def test_killing_the_benchmark_stops_its_workers_and_trainings(tmp_path):
    """``kill -9`` of the benchmark process: its pool worker and the
    training that worker started end too (before, the worker lived on,
    took a queued run and trained it with nobody left to read it)."""
    fake_root = tmp_path / 'root'
    (fake_root / 'tools').mkdir(parents=True)
    started = tmp_path / 'training.pid'
    (fake_root / 'tools' / 'train.py').write_text(
        f'import os, time\nopen({str(started)!r}, "w").write('
        'str(os.getpid()))\ntime.sleep(120)\n')
    script = tmp_path / 'benchmark.py'
    script.write_text(textwrap.dedent(f'''
        import os, sys, time
        sys.path.insert(0, {osp.dirname(BENCH)!r})
        import long_tail_accuracy as b
        b.ROOT = {str(fake_root)!r}  # its tools/train.py sleeps
        if __name__ == '__main__':
            pool = b.start_pool(1)
            print(pool.submit(os.getpid).result(), flush=True)
            pool.submit(b.train, 'cfg.py', {str(tmp_path / 'run')!r}, 1,
                        False)
            pool.submit(b.train, 'cfg.py', {str(tmp_path / 'run2')!r}, 1,
                        False)  # queued
            time.sleep(120)
        '''))
    proc = subprocess.Popen([sys.executable, str(script)],
                            stdout=subprocess.PIPE, text=True)
    try:
        worker = int(proc.stdout.readline())
        deadline = time.time() + 60
        while not started.exists() or not started.read_text():
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.1)
        training = int(started.read_text())
        assert _alive(worker) and _alive(training)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.time() + 10
    while (_alive(worker) or _alive(training)) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), 'the pool worker outlived the benchmark'
    assert not _alive(training), 'the training outlived the benchmark'
    assert not (tmp_path / 'run2.log').exists()  # the queued run never began


def test_a_held_run_stops_the_stage_before_training(bench, tmp_path):
    from argparse import Namespace
    args = Namespace(report_only=False, jobs=2,
                     results_dir=str(tmp_path / 'r'),
                     work_dir=str(tmp_path / 'w'), data_root='/nonexistent',
                     quick=True, amp=False, taus=[0.0])
    jobs = [(100, 1, 0, 'ce', None), (100, 1, 0, 'bs', None)]
    with bench.run_lock(str(tmp_path / 'w' / 'if100_e1_s0_bs')):
        with pytest.raises(SystemExit, match='if100_e1_s0_bs: another'):
            bench.run_jobs(args, jobs)
    # nothing was started for the free run either
    assert not (tmp_path / 'w' / 'if100_e1_s0_ce.py').exists()


def test_disk_full(bench, tmp_path, monkeypatch, capfd):
    """A full disk: the result file names the fix and stays as it was;
    the ledger's periodic writes warn and training goes on."""
    import errno
    path = tmp_path / 'run.json'
    bench.write_json(str(path), dict(old=1))
    real_dump = json.dump

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(json, 'dump', full)
    with pytest.raises(OSError, match=r'Could not write .*run\.json \(No '
                       r'space left on device\): free space in'):
        bench.write_json(str(path), dict(new=1))
    assert json.loads(path.read_text()) == dict(old=1)
    assert not (tmp_path / 'run.json.tmp').exists()
    # the ledger: periodic writes fail, the last one (after exit) works
    ledger = bench.TimeLedger(str(tmp_path / 'r.time.json'), period=0.2)
    proc = busy(1.0)
    calls = []

    def first_writes_fail(obj, f):
        calls.append(proc.poll())
        if proc.poll() is None:
            full()
        real_dump(obj, f)

    monkeypatch.setattr(json, 'dump', first_writes_fail)
    assert ledger.track(proc, resumed=False) == 0
    assert None in calls and calls[-1] == 0  # failed while running
    assert capfd.readouterr().err.count('Could not write') == 1
    seg = json.loads((tmp_path / 'r.time.json').read_text())['segments']
    assert len(seg) == 1 and seg[0]['wall'] >= 1.0
