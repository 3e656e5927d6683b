//! Results to Python objects, with the one naming rule between the JSON contract and Python.
//!
//! Every result of the core implements `serde::Serialize` in the camelCase shape of the data contract
//! (`docs/data-contract.md`, the CLI's `--json`). [`to_py`] serialises it straight into plain Python
//! objects (dict, list, str, int, float, bool, None) in the same field order, renaming the **field names**
//! of structs with the core's [`snake_case`] (`halobuzz_analytics::naming`). Map keys are data (the
//! reasons of `invalidByReason`, …) and are left alone, as are all values: a dict result is what
//! `json.loads` of the CLI's output gives once its field names are renamed.
//!
//! This module knows nothing of the exception hierarchy: a failure is a [`SerError`], which
//! `error.rs` turns into a Python exception (`ENCODE_FAILED`) through `From<SerError> for PyErr`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PyString};
use pyo3::IntoPyObjectExt;
use serde::ser::{self, Serialize};

use halobuzz_analytics::naming::snake_case;

/// Serialises `value` into plain Python objects with snake_case field names (`?` in a function
/// returning `PyResult` turns the error into a Python exception).
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, value: &T) -> Out<'py> {
    value.serialize(PySerializer { py })
}

/// Why a value could not be turned into Python objects.
#[derive(Debug)]
pub(crate) enum SerError {
    /// Python itself failed (out of memory, …).
    Python(PyErr),
    /// The value's `Serialize` implementation failed.
    Custom(String),
}

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SerError::Python(e) => write!(f, "{e}"),
            SerError::Custom(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerError::Custom(msg.to_string())
    }
}

impl From<PyErr> for SerError {
    fn from(e: PyErr) -> Self {
        SerError::Python(e)
    }
}

/// A Python object, or why a value could not become one.
pub(crate) type Out<'py> = Result<Bound<'py, PyAny>, SerError>;

/// A serde serializer whose output is a Python object.
#[derive(Clone, Copy)]
struct PySerializer<'py> {
    py: Python<'py>,
}

impl<'py> PySerializer<'py> {
    fn int(self, v: impl IntoPyObjectExt<'py>) -> Out<'py> {
        Ok(v.into_bound_py_any(self.py)?)
    }

    /// `{variant: value}`, serde's external tagging of enum variants with data.
    fn tagged(self, variant: &'static str, value: Bound<'py, PyAny>) -> Out<'py> {
        let dict = PyDict::new(self.py);
        dict.set_item(variant, value)?;
        Ok(dict.into_any())
    }
}

impl<'py> ser::Serializer for PySerializer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    type SerializeSeq = ListBuilder<'py>;
    type SerializeTuple = ListBuilder<'py>;
    type SerializeTupleStruct = ListBuilder<'py>;
    type SerializeTupleVariant = ListBuilder<'py>;
    type SerializeMap = DictBuilder<'py>;
    type SerializeStruct = DictBuilder<'py>;
    type SerializeStructVariant = DictBuilder<'py>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.int(v)
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        self.int(v)
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        Ok(PyFloat::new(self.py, v).into_any())
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(PyBytes::new(self.py, v).into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Out<'py> {
        // Enum values (`"stable"`, `"week"`, `"malformed_json"`) are data: unchanged.
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let inner = value.serialize(self)?;
        self.tagged(variant, inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ListBuilder<'py>, SerError> {
        Ok(ListBuilder::new(self, len, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<ListBuilder<'py>, SerError> {
        Ok(ListBuilder::new(self, Some(len), None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<ListBuilder<'py>, SerError> {
        Ok(ListBuilder::new(self, Some(len), None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ListBuilder<'py>, SerError> {
        Ok(ListBuilder::new(self, Some(len), Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self, None))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<DictBuilder<'py>, SerError> {
        Ok(DictBuilder::new(self, Some(variant)))
    }
}

/// Collects the items of a sequence or tuple into a list.
struct ListBuilder<'py> {
    ser: PySerializer<'py>,
    items: Vec<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> ListBuilder<'py> {
    fn new(ser: PySerializer<'py>, len: Option<usize>, variant: Option<&'static str>) -> Self {
        ListBuilder {
            ser,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.items.push(value.serialize(self.ser)?);
        Ok(())
    }

    fn finish(self) -> Out<'py> {
        let list = PyList::new(self.ser.py, self.items)?.into_any();
        match self.variant {
            Some(v) => self.ser.tagged(v, list),
            None => Ok(list),
        }
    }
}

impl<'py> ser::SerializeSeq for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTuple for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleStruct for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleVariant for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

/// Collects the entries of a map or the fields of a struct into a dict (insertion-ordered, like the
/// JSON the CLI prints).
struct DictBuilder<'py> {
    ser: PySerializer<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> DictBuilder<'py> {
    fn new(ser: PySerializer<'py>, variant: Option<&'static str>) -> Self {
        DictBuilder {
            ser,
            dict: PyDict::new(ser.py),
            key: None,
            variant,
        }
    }

    /// A struct field: its name is renamed to snake_case.
    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), SerError> {
        let value = value.serialize(self.ser)?;
        self.dict
            .set_item(PyString::intern(self.ser.py, &snake_case(name)), value)?;
        Ok(())
    }

    fn finish(self) -> Out<'py> {
        let dict = self.dict.into_any();
        match self.variant {
            Some(v) => self.ser.tagged(v, dict),
            None => Ok(dict),
        }
    }
}

impl<'py> ser::SerializeMap for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerError> {
        // Map keys are data, never renamed.
        self.key = Some(key.serialize(self.ser)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerError::Custom("a map value came without its key".to_owned()))?;
        self.dict.set_item(key, value.serialize(self.ser)?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStruct for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.field(key, value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStructVariant for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerError> {
        self.field(key, value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}
