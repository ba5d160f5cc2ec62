import pytest

from skann.__main__ import main


def test_demo_shows_the_textbook_predictions_and_a_tuned_model(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "curves.png"
    main(["--plot", str(plot)])
    out = capsys.readouterr().out
    assert "with the textbook's settings (not the\ndefaults)" in out
    assert "Epoch 0: Cost = 0.693068" in out
    assert "Predictions: [[0 0 0 1]]" in out
    assert "Held-out test accuracy of the best model: 0.9" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_fails_first_saying_which_extra(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(SystemExit, match=r"skann\[plot\]"):
        main(["--plot", "unused.png"])
    assert capsys.readouterr().out == ""  # nothing trained
