"""Request bodies: a JSON object naming the model (optional when one is loaded) and carrying lists plus the
commands' options. Unknown fields and wrong types are refused (422) before any work."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

MODEL = Field(None, description="The model's name (GET /models); optional when one model is served.")
NO_OOV = Field(False, description="Subword models: a word outside the vocabulary is an error, not built from n-grams.")
RESTRICT = Field(None, ge=1, description="Search only the N most frequent words.")


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    model: Optional[str] = MODEL


class SimilarRequest(Request):
    words: list[str] = Field(..., description="Queries, each as a line of `seqkit similar`: words, '-word' subtracts.",
                             examples=[["king", "paris -france italy"]])
    minus: list[str] = Field([], description="Words subtracted from every query.")
    n: int = Field(10, ge=1, le=10_000, description="Neighbours per query.")
    restrict: Optional[int] = RESTRICT
    no_oov: bool = NO_OOV


class AnalogyRequest(Request):
    words: list[str] = Field(..., description="Queries 'A B C': A is to B as C is to ?", examples=[["man king woman"]])
    n: int = Field(1, ge=1, le=10_000, description="Answers per query.")
    method: Literal["add", "mul"] = Field("add", description="add: 3CosAdd; mul: 3CosMul.")
    restrict: Optional[int] = RESTRICT
    no_oov: bool = NO_OOV


class VectorsRequest(Request):
    words: Optional[list[str]] = Field(None, description="Words: one vector each.", examples=[["king", "queen"]])
    texts: Optional[list[str]] = Field(None, description="Instead of words: documents, one vector each.")
    weight: Literal["mean", "tfidf"] = Field("mean", description="Documents: mean, or TF-IDF-weighted mean (idf over these texts).")
    no_oov: bool = NO_OOV


class PredictRequest(Request):
    texts: list[str] = Field(..., description="Texts to classify.", examples=[["a wonderful, moving film"]])
    k: int = Field(1, ge=1, le=10_000, description="The K most probable labels of each text.")
    threshold: float = Field(0.0, ge=0.0, le=1.0, description="Only labels with at least this probability.")
    probs: bool = Field(False, description="Every class's probability too (with k=1 and no threshold).")
