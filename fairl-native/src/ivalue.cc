// TorchScript IValue natives (DJL's IValue class): boxing tensors, scalars, lists, tuples, maps.
#include <ATen/core/ivalue.h>

#include "common.h"

using namespace fairl;
using c10::IValue;

static IValue& IV(jlong h) { return *reinterpret_cast<IValue*>(h); }
static jlong IH(IValue v) { return reinterpret_cast<jlong>(new IValue(std::move(v))); }

DJL_FN(void, torchDeleteIValue)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDeleteIValue)
  delete reinterpret_cast<IValue*>(h);
  FAIRL_CATCH_VOID
}
DJL_FN(jlong, iValueFromTensor)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueFromTensor)
  return IH(IValue(T(h)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromBool)(JNIEnv* env, jobject, jboolean v) {
  FAIRL_TRY(iValueFromBool)
  return IH(IValue(static_cast<bool>(v)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromLong)(JNIEnv* env, jobject, jlong v) {
  FAIRL_TRY(iValueFromLong)
  return IH(IValue(static_cast<int64_t>(v)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromDouble)(JNIEnv* env, jobject, jdouble v) {
  FAIRL_TRY(iValueFromDouble)
  return IH(IValue(static_cast<double>(v)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromString)(JNIEnv* env, jobject, jstring v) {
  FAIRL_TRY(iValueFromString)
  return IH(IValue(str(env, v)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromBoolList)(JNIEnv* env, jobject, jbooleanArray arr) {
  FAIRL_TRY(iValueFromBoolList)
  jsize n = env->GetArrayLength(arr);
  std::vector<jboolean> raw(n);
  if (n > 0) env->GetBooleanArrayRegion(arr, 0, n, raw.data());
  c10::List<bool> list;
  for (auto b : raw) list.push_back(b != 0);
  return IH(IValue(list));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromLongList)(JNIEnv* env, jobject, jlongArray arr) {
  FAIRL_TRY(iValueFromLongList)
  return IH(IValue(c10::List<int64_t>(longs(env, arr))));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromDoubleList)(JNIEnv* env, jobject, jdoubleArray arr) {
  FAIRL_TRY(iValueFromDoubleList)
  jsize n = env->GetArrayLength(arr);
  std::vector<double> v(n);
  if (n > 0) env->GetDoubleArrayRegion(arr, 0, n, v.data());
  return IH(IValue(c10::List<double>(v)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromTensorList)(JNIEnv* env, jobject, jlongArray arr) {
  FAIRL_TRY(iValueFromTensorList)
  return IH(IValue(c10::List<at::Tensor>(tensors(env, arr))));
  FAIRL_CATCH(0)
}
static std::vector<IValue> ivalues(JNIEnv* env, jlongArray arr) {
  std::vector<IValue> out;
  for (int64_t h : longs(env, arr)) out.push_back(IV(h));
  return out;
}
DJL_FN(jlong, iValueFromList)(JNIEnv* env, jobject, jlongArray arr) {
  FAIRL_TRY(iValueFromList)
  auto items = ivalues(env, arr);
  TORCH_CHECK(!items.empty(), "fairl-native: iValueFromList needs at least one element to type the list");
  c10::impl::GenericList list(items[0].type());
  for (auto& v : items) list.push_back(v);
  return IH(IValue(list));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromTuple)(JNIEnv* env, jobject, jlongArray arr) {
  FAIRL_TRY(iValueFromTuple)
  return IH(IValue(c10::ivalue::Tuple::create(ivalues(env, arr))));
  FAIRL_CATCH(0)
}
static std::vector<std::string> strings(JNIEnv* env, jobjectArray arr) {
  std::vector<std::string> out;
  jsize n = env->GetArrayLength(arr);
  for (jsize i = 0; i < n; ++i) {
    auto s = static_cast<jstring>(env->GetObjectArrayElement(arr, i));
    out.push_back(str(env, s));
    env->DeleteLocalRef(s);
  }
  return out;
}
DJL_FN(jlong, iValueFromStringMap)(JNIEnv* env, jobject, jobjectArray keys, jlongArray values) {
  FAIRL_TRY(iValueFromStringMap)
  auto ks = strings(env, keys);
  auto vs = tensors(env, values);
  c10::Dict<std::string, at::Tensor> dict;
  for (size_t i = 0; i < ks.size(); ++i) dict.insert(ks[i], vs[i]);
  return IH(IValue(dict));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, iValueFromStringIValueMap)(JNIEnv* env, jobject, jobjectArray keys, jlongArray values) {
  FAIRL_TRY(iValueFromStringIValueMap)
  auto ks = strings(env, keys);
  auto vs = ivalues(env, values);
  TORCH_CHECK(!vs.empty(), "fairl-native: iValueFromStringIValueMap needs at least one entry");
  c10::impl::GenericDict dict(c10::StringType::get(), vs[0].type());
  for (size_t i = 0; i < ks.size(); ++i) dict.insert(ks[i], vs[i]);
  return IH(IValue(dict));
  FAIRL_CATCH(0)
}

DJL_FN(jlong, iValueToTensor)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToTensor)
  return H(IV(h).toTensor());
  FAIRL_CATCH(0)
}
DJL_FN(jboolean, iValueToBool)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToBool)
  return IV(h).toBool();
  FAIRL_CATCH(false)
}
DJL_FN(jlong, iValueToLong)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToLong)
  return IV(h).toInt();
  FAIRL_CATCH(0)
}
DJL_FN(jdouble, iValueToDouble)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToDouble)
  return IV(h).toDouble();
  FAIRL_CATCH(0)
}
DJL_FN(jstring, iValueToString)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToString)
  return env->NewStringUTF(IV(h).toStringRef().c_str());
  FAIRL_CATCH(nullptr)
}
DJL_FN(jbooleanArray, iValueToBoolList)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToBoolList)
  auto list = IV(h).toBoolList();
  std::vector<jboolean> v;
  for (bool b : list) v.push_back(b ? JNI_TRUE : JNI_FALSE);
  jbooleanArray arr = env->NewBooleanArray(static_cast<jsize>(v.size()));
  if (!v.empty()) env->SetBooleanArrayRegion(arr, 0, static_cast<jsize>(v.size()), v.data());
  return arr;
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlongArray, iValueToLongList)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToLongList)
  return longArray(env, IV(h).toIntVector());
  FAIRL_CATCH(nullptr)
}
DJL_FN(jdoubleArray, iValueToDoubleList)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToDoubleList)
  auto v = IV(h).toDoubleVector();
  jdoubleArray arr = env->NewDoubleArray(static_cast<jsize>(v.size()));
  if (!v.empty()) env->SetDoubleArrayRegion(arr, 0, static_cast<jsize>(v.size()), v.data());
  return arr;
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlongArray, iValueToTensorList)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToTensorList)
  return handleArray(env, IV(h).toTensorVector());
  FAIRL_CATCH(nullptr)
}
static jlongArray ivalueHandles(JNIEnv* env, const std::vector<IValue>& vs) {
  std::vector<int64_t> hs;
  for (const auto& v : vs) hs.push_back(IH(v));
  return longArray(env, hs);
}
DJL_FN(jlongArray, iValueToIValueList)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToIValueList)
  auto list = IV(h).toList();
  return ivalueHandles(env, std::vector<IValue>(list.begin(), list.end()));
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlongArray, iValueToIValueTuple)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToIValueTuple)
  auto elems = IV(h).toTupleRef().elements();
  return ivalueHandles(env, std::vector<IValue>(elems.begin(), elems.end()));
  FAIRL_CATCH(nullptr)
}
// Alternating key and value handles, as IValue.toMap reads them.
DJL_FN(jlongArray, iValueToMap)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueToMap)
  std::vector<IValue> kv;
  for (const auto& e : IV(h).toGenericDict()) {
    kv.push_back(e.key());
    kv.push_back(e.value());
  }
  return ivalueHandles(env, kv);
  FAIRL_CATCH(nullptr)
}
DJL_FN(jstring, iValueGetType)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(iValueGetType)
  return env->NewStringUTF(IV(h).type()->str().c_str());
  FAIRL_CATCH(nullptr)
}
#define DJL_IV_IS(name, pred)                                 \
  DJL_FN(jboolean, name)(JNIEnv * env, jobject, jlong h) {    \
    FAIRL_TRY(name)                                           \
    return IV(h).pred();                                      \
    FAIRL_CATCH(false)                                        \
  }
DJL_IV_IS(iValueIsTensor, isTensor)
DJL_IV_IS(iValueIsBool, isBool)
DJL_IV_IS(iValueIsLong, isInt)
DJL_IV_IS(iValueIsDouble, isDouble)
DJL_IV_IS(iValueIsString, isString)
DJL_IV_IS(iValueIsBoolList, isBoolList)
DJL_IV_IS(iValueIsLongList, isIntList)
DJL_IV_IS(iValueIsDoubleList, isDoubleList)
DJL_IV_IS(iValueIsTensorList, isTensorList)
DJL_IV_IS(iValueIsList, isList)
DJL_IV_IS(iValueIsTuple, isTuple)
DJL_IV_IS(iValueIsMap, isGenericDict)
